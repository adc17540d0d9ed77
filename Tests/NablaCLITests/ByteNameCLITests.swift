#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Nabla
import NablaFormats
import Testing

// File names that are not UTF-8, made and checked with raw bytes (open(2), stat(2), readdir(3)), never
// through Foundation, which would replace the bytes; nabla is run through bash's $'\xHH' quoting, since
// `Process` cannot pass such arguments.

/// A file name as bytes: `name("in", 0xFF, ".npy")` is `in\xFF.npy`.
func name(_ prefix: String, _ byte: UInt8, _ suffix: String = "") -> [UInt8] {
    Array(prefix.utf8) + [byte] + Array(suffix.utf8)
}

extension Sandbox {
    /// The bytes of `work/<name>` as a C string.
    func cPath(_ name: [UInt8]) -> [CChar] { (Array(work.path.utf8) + [0x2F] + name + [0]).map { CChar(bitPattern: $0) } }

    /// Runs `nabla` with arguments given as bytes (`$'\xHH'` for every byte, through bash), in `work` or in
    /// its subfolder `directory`.
    func run(bytes arguments: [[UInt8]], in directory: [UInt8]? = nil, environment: [String: String] = [:],
             signal: (number: Int32, after: TimeInterval)? = nil) throws -> RunResult {
        var extra = environment
        extra["NABLA"] = try NablaExecutable.url().path
        let script = (directory.map { "cd \(Self.quoted($0)) && " } ?? "") + Self.script(arguments)
        return try run(["-c", script], environment: extra, signal: signal, executable: URL(fileURLWithPath: "/bin/bash"))
    }

    /// `exec "$NABLA" $'\x..' …`: each argument's bytes spelled out.
    static func script(_ arguments: [[UInt8]]) -> String {
        "exec \"$NABLA\" " + arguments.map(quoted).joined(separator: " ")
    }

    /// `$'\x..\x..'`: bash's quoting of arbitrary bytes.
    static func quoted(_ bytes: [UInt8]) -> String {
        "$'" + bytes.map { String(format: "\\x%02x", $0) }.joined() + "'"
    }

    /// Creates `work/<name>` with `contents` (open(2) with the raw bytes).
    func create(_ name: [UInt8], _ contents: Data) throws {
        let fd = open(cPath(name), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0, "cannot create \(name)")
        defer { close(fd) }
        let bytes = [UInt8](contents)
        #expect(Glibc.write(fd, bytes, bytes.count) == bytes.count)
    }

    /// The contents of `work/<name>`, or nil if there is no such file (read with the raw bytes).
    func contents(_ name: [UInt8]) -> Data? {
        let fd = open(cPath(name), O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { return data }
            data.append(contentsOf: buffer[0..<n])
        }
    }

    /// Whether `work/<name>` exists (lstat(2) with the raw bytes).
    func exists(_ name: [UInt8]) -> Bool {
        var info = stat()
        return lstat(cPath(name), &info) == 0
    }

    /// The raw names in `work/<folder>` (readdir(3)), `.` and `..` left out.
    func rawListing(_ folder: [UInt8] = []) -> [[UInt8]] {
        let path = folder.isEmpty ? (Array(work.path.utf8) + [0]).map { CChar(bitPattern: $0) } : cPath(folder)
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            var field = entry.pointee.d_name
            let bytes = withUnsafeBytes(of: &field) { Array($0.prefix { $0 != 0 }) }
            if bytes != [0x2E] && bytes != [0x2E, 0x2E] { names.append(bytes) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }
}

@Suite("File names that are not UTF-8 (CLI)")
struct ByteNameCLITests {
    static let input = name("in", 0xFF, ".npy")
    static let vectors = name("v", 0xFE, ".npz")
    static let coordinates = name("x", 0xFA, ".npy")

    /// A sandbox holding each input twice: under a UTF-8 name and under a name that is not UTF-8.
    func sandbox() throws -> Sandbox {
        let box = try Sandbox()
        let f = try field([7, 6, 5])
        try box.write(f, "in.npy")
        try box.create(Self.input, NPY.encode(f))
        let components = [("axis0", AnyNDArray(f)), ("axis1", AnyNDArray(try field([7, 6, 5], seed: 1))),
                          ("axis2", AnyNDArray(try field([7, 6, 5], seed: 2)))]
        try box.writeNPZ(components, "v.npz")
        try box.create(Self.vectors, try box.bytes("v.npz"))
        let x = NDArray<Double>([0, 0.5, 1.1, 1.6, 2.3, 2.9, 3.2])
        try box.write(x, "x.npy")
        try box.create(Self.coordinates, NPY.encode(x))
        return box
    }

    /// Every command, as (arguments with `IN`/`VEC`/`X` for the inputs, output extension).
    static let cases: [([String], String)] = [
        (["gradient", "IN"], "npz"),
        (["gradient", "IN", "--axis", "0", "--spacing", "X"], "npy"),
        (["gradient", "IN", "--accuracy", "4", "--memory", "20K"], "npz"),
        (["laplacian", "IN"], "npy"),
        (["derivative", "IN", "--order", "1,1,0"], "npy"),
        (["hessian", "IN"], "npz"),
        (["divergence", "VEC"], "npy"),
        (["curl", "VEC"], "npz"),
        (["jacobian", "VEC"], "npz"),
        (["gradient", "IN", "--axis", "2", "--spacing", "0.5"], "vti"),
    ]

    @Test("every command reads the named input and writes exactly the named output, as with UTF-8 names",
          arguments: cases)
    func commands(arguments: [String], ext: String) throws {
        let box = try sandbox()
        let output = name("o", 0xE9, "." + ext)
        func substituted(_ bytes: Bool) -> [[UInt8]] {
            arguments.map { a in
                switch a {
                case "IN": bytes ? Self.input : Array("in.npy".utf8)
                case "VEC": bytes ? Self.vectors : Array("v.npz".utf8)
                case "X": bytes ? Self.coordinates : Array("x.npy".utf8)
                default: Array(a.utf8)
                }
            } + [Array("-o".utf8), bytes ? output : Array("o.\(ext)".utf8)]
        }
        let before = box.rawListing()
        let plain = try box.run(bytes: substituted(false))
        let raw = try box.run(bytes: substituted(true))
        #expect(plain.status == 0 && plain.stderr.isEmpty, "\(plain)")
        #expect(raw.status == 0 && raw.stderr.isEmpty, "\(raw)")
        // Exactly the two outputs are new: the byte name itself, no other spelling, no temporary.
        #expect(box.rawListing() == (before + [output, Array("o.\(ext)".utf8)]).sorted { $0.lexicographicallyPrecedes($1) })
        let written = try #require(box.contents(output))
        let expected = try box.bytes("o.\(ext)")
        if ext == "npz" {
            expectArchive(try NPZ.read(data: written), names: try box.readNPZ("o.npz").map(\.name),
                          arrays: try box.readNPZ("o.npz").map(\.array))
        } else {
            #expect(written == expected)
        }
    }

    @Test("score and HDF5/netCDF paths (FILE.h5:/dataset) under names that are not UTF-8")
    func containers() throws {
        let box = try sandbox()
        let h5 = name("h", 0xF0, ".h5"), nc = name("n", 0xF1, ".nc")
        // HDF5 written, then read back through FILE.h5:/dataset, then added to: each equal to the UTF-8 run.
        for file in [Array("h.h5".utf8), h5] {
            let r = try box.run(bytes: [Array("gradient".utf8), Self.input, Array("-o".utf8), file + Array(":/grad".utf8)])
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
            let again = try box.run(bytes: [Array("laplacian".utf8), file + Array(":/grad/axis1".utf8), Array("-o".utf8), file + Array(":/lap".utf8)])
            #expect(again.status == 0 && again.stderr.isEmpty, "\(again)")
        }
        for dataset in ["/grad/axis1", "/lap"] {
            let a = try box.run(bytes: [Array("gradient".utf8), h5 + Array(":\(dataset)".utf8), Array("-o".utf8), Array("a.npz".utf8)])
            let b = try box.run(bytes: [Array("gradient".utf8), Array("h.h5:\(dataset)".utf8), Array("-o".utf8), Array("b.npz".utf8)])
            #expect(a.status == 0 && b.status == 0, "\(a)\n\(b)")
            expectArchive(try box.readNPZ("a.npz"), names: try box.readNPZ("b.npz").map(\.name), arrays: try box.readNPZ("b.npz").map(\.array))
        }
        #expect(box.exists(h5) && !box.rawListing().contains { $0.starts(with: [0x2E]) })

        // netCDF out and in.
        let written = try box.run(bytes: [Array("gradient".utf8), Array("in.npy".utf8), Array("-o".utf8), nc])
        #expect(written.status == 0, "\(written)")
        let read = try box.run(bytes: [Array("laplacian".utf8), nc, Array("--key".utf8), Array("din_daxis0".utf8), Array("-o".utf8), Array("l1.npy".utf8)])
        #expect(read.status == 0, "\(read)")
        try box.succeed(["gradient", "in.npy", "-o", "n.nc"])
        #expect(try box.run(["laplacian", "n.nc", "--key", "din_daxis0", "-o", "l2.npy"]).status == 0)
        #expect(try box.bytes("l1.npy") == box.bytes("l2.npy"))

        // A working directory whose name is not UTF-8: relative paths are taken from it byte for byte.
        let folder = name("cw", 0xD0)
        #expect(mkdir(box.cPath(folder), 0o755) == 0)
        try box.create(folder + Array("/in.npy".utf8), try box.bytes("in.npy"))
        let inside = try box.run(bytes: [Array("gradient".utf8), Array("in.npy".utf8), Array("-o".utf8), name("r", 0xD1, ".npz")], in: folder)
        #expect(inside.status == 0 && box.exists(folder + [0x2F] + name("r", 0xD1, ".npz")), "\(inside)")
        let nothing = try box.run(bytes: [Array("gradient".utf8), Array("nope.npy".utf8), Array("-o".utf8), Array("x.npy".utf8)], in: folder)
        #expect(nothing.status == 1 && nothing.stderr.contains("cw\\xD0/nope.npy: cannot open"), "\(nothing)")

        // score reads both.
        let score = try box.run(bytes: [Array("score".utf8), Self.vectors, Array("v.npz".utf8)])
        #expect(score.status == 0 && score.stdout.contains("PASSED"), "\(score)")
    }

    @Test("batch processes every name (folder, subfolder, file), outputs keep the bytes, the log shows \\xHH")
    func batch() throws {
        let box = try Sandbox()
        let folder = name("in", 0xFC), sub = name("s", 0xAA)
        #expect(mkdir(box.cPath(folder), 0o755) == 0 && mkdir(box.cPath(folder + [0x2F] + sub), 0o755) == 0)
        let f = try field([5, 4]), g = try field([5, 4], seed: 1), h = try field([5, 4], seed: 2)
        try box.create(folder + [0x2F] + name("f", 0xFF, ".npy"), NPY.encode(f))
        try box.create(folder + Array("/g.npy".utf8), NPY.encode(g))
        try box.create(folder + [0x2F] + sub + [0x2F] + name("h", 0xBB, ".npy"), NPY.encode(h))
        let outdir = name("out", 0xEE), log = name("log", 0xDD, ".jsonl")
        let r = try box.run(bytes: [Array("batch".utf8), folder, Array("-o".utf8), outdir, Array("--recursive".utf8),
                                    Array("--quiet".utf8), Array("--log".utf8), log])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        let expected: [([UInt8], NDArray<Double>)] = [(name("f", 0xFF, ".npz"), f), (Array("g.npz".utf8), g),
                                                      (sub + [0x2F] + name("h", 0xBB, ".npz"), h)]
        for (output, field) in expected {
            let data = try #require(box.contents(outdir + [0x2F] + output), "missing output \(output)")
            expectArchive(try NPZ.read(data: data), names: ["axis0", "axis1"], arrays: wrap(try gradient(of: field)))
        }
        #expect(box.rawListing(outdir) == [name("f", 0xFF, ".npz"), Array("g.npz".utf8), sub])
        let lines = String(decoding: try #require(box.contents(log)), as: UTF8.self).split(separator: "\n")
        let records = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(records.count == 3 && records.allSatisfy { $0["status"] as? String == "ok" })
        let inputs = Set(records.compactMap { ($0["input"] as? String)?.components(separatedBy: "/").suffix(2).joined(separator: "/") })
        #expect(inputs == ["in\\xFC/f\\xFF.npy", "in\\xFC/g.npy", "s\\xAA/h\\xBB.npy"])

        // --resume keeps all three; a file named directly is processed too.
        let again = try box.run(bytes: [Array("batch".utf8), folder, Array("-o".utf8), outdir, Array("--recursive".utf8),
                                        Array("--resume".utf8)])
        #expect(again.status == 0 && again.stderr.contains("0 ok, 0 failed, 3 skipped"), "\(again)")
        let single = try box.run(bytes: [Array("batch".utf8), folder + [0x2F] + name("f", 0xFF, ".npy"), Array("-o".utf8),
                                         Array("one".utf8), Array("--quiet".utf8)])
        #expect(single.status == 0 && box.exists(Array("one/".utf8) + name("f", 0xFF, ".npz")), "\(single)")
        // The log may not be an input, under a byte name either.
        let bad = try box.run(bytes: [Array("batch".utf8), folder, Array("-o".utf8), Array("o2".utf8), Array("--log".utf8),
                                      folder + [0x2F] + name("f", 0xFF, ".npy")])
        #expect(bad.status == 2 && bad.stderr.contains("in\\xFC/f\\xFF.npy") && bad.stderr.contains("destroy"), "\(bad)")
    }

    @Test("errors name the file with \\xHH for its bytes, on one line")
    func errors() throws {
        let box = try sandbox()
        let missing = try box.run(bytes: [Array("gradient".utf8), name("nope", 0xFF, ".npy"), Array("-o".utf8), Array("o.npy".utf8)])
        #expect(missing.status == 1 && missing.stderrLines.count == 1, "\(missing)")
        #expect(missing.stderr.hasPrefix("nabla: error: ") && missing.stderr.contains("nope\\xFF.npy: cannot open for reading"))
        #expect(!missing.stderr.contains("\u{FFFD}"))
        // The existing file is found (the bug was "No such file" for it); its unsupported extension is the error.
        try box.create(name("in", 0xFF, ".dat"), Data([1, 2, 3]))
        let unsupported = try box.run(bytes: [Array("gradient".utf8), name("in", 0xFF, ".dat"), Array("-o".utf8), Array("o.npy".utf8)])
        #expect(unsupported.status == 1 && unsupported.stderr.contains("in\\xFF.dat: unsupported file extension"), "\(unsupported)")
        // Usage errors too.
        let usage = try box.run(bytes: [Array("gradient".utf8), Self.input, name("--bogus", 0xFF), Array("-o".utf8), Array("o.npy".utf8)])
        #expect(usage.status == 2 && usage.stderrLines.first?.contains("--bogus\\xFF") == true, "\(usage)")
        // A UTF-8 name that reads like an escape is shown with its backslash doubled; control characters escaped.
        try box.fail(["gradient", "a\\xFF.npy", "-o", "o.npy"], mentions: ["a\\\\xFF.npy"])
        try box.fail(["gradient", "c\u{1B}[1m.npy", "-o", "o.npy"], mentions: ["c\\x1B[1m.npy"])
    }

    @Test("an output that is the input under a byte name (./, symbolic link, hard link) is refused; a FIFO too")
    func safety() throws {
        let box = try sandbox()
        let original = try #require(box.contents(Self.input))
        let link = name("l", 0xFE, ".npy"), hard = name("k", 0xFD, ".npy")
        #expect(symlink((Self.input + [0]).map { CChar(bitPattern: $0) }, box.cPath(link)) == 0)
        #expect(Glibc.link(box.cPath(Self.input), box.cPath(hard)) == 0)
        for output in [Self.input, Array("./".utf8) + Self.input, link, hard] {
            let r = try box.run(bytes: [Array("gradient".utf8), Self.input, Array("-o".utf8), output])
            #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("in\\xFF.npy")
                    && r.stderr.contains("destroy the input"), "\(r)")
            #expect(box.contents(Self.input) == original)
        }
        let fifo = name("p", 0xFF, ".npy")
        #expect(mkfifo(box.cPath(fifo), 0o600) == 0)
        let started = Date()
        let r = try box.run(bytes: [Array("gradient".utf8), fifo, Array("-o".utf8), Array("o.npy".utf8)])
        #expect(r.status == 1 && r.stderr.contains("p\\xFF.npy") && r.stderr.contains("FIFO"), "\(r)")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test("temporaries carry the byte name, are removed on SIGTERM; the batch lock holds on a byte-named OUTDIR")
    func temporaries() throws {
        let box = try sandbox()
        let output = name("o", 0xE9, ".npz")
        try box.create(output, Data([1, 2, 3]))
        // While the complete temporary is held, it is `.o\xE9.npz.tmp-XXXXXXXX` next to the output.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", Sandbox.script([Array("gradient".utf8), Self.input, Array("-o".utf8), output])]
        process.currentDirectoryURL = box.work
        var environment = ProcessInfo.processInfo.environment
        environment["NABLA"] = try NablaExecutable.url().path
        environment["NABLA_TEST_HOLD_TEMPORARY"] = "5"
        process.environment = environment
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        let prefix = [0x2E] + output + Array(".tmp-".utf8)
        while !box.rawListing().contains(where: { $0.starts(with: prefix) }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(box.rawListing().contains { $0.starts(with: prefix) && $0.count == prefix.count + 8 })
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 143)
        #expect(!box.rawListing().contains { $0.starts(with: [0x2E]) }, "a temporary is left")
        #expect(box.contents(output) == Data([1, 2, 3]))

        // Two batches into one OUTDIR named with bytes: the second is refused while the first runs.
        #expect(mkdir(box.cPath(name("d", 0xFC)), 0o755) == 0)
        try box.create(name("d", 0xFC, "/f.npy"), NPY.encode(try field([6, 5])))
        let outdir = name("out", 0xEE)
        let first = Process()
        first.executableURL = URL(fileURLWithPath: "/bin/bash")
        first.arguments = ["-c", Sandbox.script([Array("batch".utf8), name("d", 0xFC), Array("-o".utf8), outdir, Array("--quiet".utf8)])]
        first.currentDirectoryURL = box.work
        environment["NABLA_TEST_HOLD_TEMPORARY"] = "3"
        first.environment = environment
        try first.run()
        Thread.sleep(forTimeInterval: 1)
        let second = try box.run(bytes: [Array("batch".utf8), name("d", 0xFC), Array("-o".utf8), outdir, Array("--resume".utf8)])
        first.waitUntilExit()
        #expect(second.status == 1 && second.stderr.contains("out\\xEE: another nabla batch"), "\(second)")
        #expect(first.terminationStatus == 0)
        #expect(box.rawListing(outdir) == [Array("f.npz".utf8)])
    }
}

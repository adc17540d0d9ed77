import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import _NablaTool
import Testing

/// A fresh temporary directory, removed when the value is released.
private final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-fieldfiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
}

private func pipelineError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    do {
        try body()
        Issue.record("expected an error", sourceLocation: sourceLocation)
    } catch {
        return "\(error)"
    }
    return nil
}

@Suite("FieldFiles: formats by extension")
struct FieldFilesTests {
    let grid = AnyNDArray.float64(try! NDArray(shape: [2, 3], scalars: [0.1, 0.2, 0.3, 1, 2, 3]))

    @Test("every extension has a format; unknown ones list the choices")
    func formats() throws {
        for (name, format) in [("a.npy", FieldFiles.Format.npy), ("a.NPZ", .npz), ("a.csv", .csv), ("a.tsv", .tsv),
                               ("a.h5", .h5), ("a.hdf5", .hdf5)] {
            #expect(try FieldFiles.Format(of: URL(fileURLWithPath: name)) == format)
        }
        let message = pipelineError { _ = try FieldFiles.Format(of: URL(fileURLWithPath: "/x/a.txt")) }
        #expect(message == "/x/a.txt: unsupported file extension '.txt'; expected one of .npy, .npz, .csv, .tsv, .h5, .hdf5, .nc, .vti, .vtr")
        #expect(try FieldFiles.Format(of: URL(fileURLWithPath: "/new/out.h5:/results")) == .h5)
    }

    @Test("FILE.h5:/dataset is split only at an existing HDF5 file")
    func splitting() throws {
        let dir = try Scratch()
        let h5 = dir.file("run:1.h5")
        try HDF5.write([("g/d", grid)], to: h5)
        #expect(FieldFiles.splitDatasetPath(h5.path + ":/g/d") == (h5.path, "/g/d"))
        #expect(FieldFiles.splitDatasetPath(h5.path) == (h5.path, nil))
        // Not an HDF5 file, or not existing: no split.
        let plain = dir.file("a:b.csv").path
        #expect(FieldFiles.splitDatasetPath(plain) == (plain, nil))
        #expect(FieldFiles.splitDatasetPath(dir.file("missing.h5").path + ":/d") == (dir.file("missing.h5").path + ":/d", nil))
        // A dataset name with ':' in it.
        #expect(FieldFiles.splitDatasetPath(h5.path + ":/a:b") == (h5.path, "/a:b"))
    }

    @Test("read and write HDF5 through the pipeline")
    func hdf5() throws {
        let dir = try Scratch()
        let url = dir.file("out.h5")
        let second = AnyNDArray.int32(NDArray<Int32>([1, 2, 3]))
        try FieldFiles.write([("axis0", grid), ("axis1", second)], to: url)
        #expect(try FieldFiles.readAll(url).map(\.name) == ["axis0", "axis1"])
        #expect(try FieldFiles.read(url, key: "axis1") == second)
        #expect(try FieldFiles.read(URL(fileURLWithPath: url.path + ":/axis0")) == grid)
        let several = pipelineError { _ = try FieldFiles.read(url) }
        #expect(several?.contains("'/axis0', '/axis1'") == true)
        let missing = pipelineError { _ = try FieldFiles.read(url, key: "axis7") }
        #expect(missing?.hasPrefix(url.path + ": member '/axis7': ") == true || missing?.contains("no dataset '/axis7'") == true)
        // Output under a group, then read the group.
        let grouped = URL(fileURLWithPath: dir.file("g.h5").path + ":/results")
        try FieldFiles.write([("axis0", grid)], to: grouped)
        #expect(try HDF5.datasets(in: dir.file("g.h5")) == ["/results/axis0"])
        #expect(try FieldFiles.readAll(grouped).map(\.name) == ["axis0"])
        #expect(try FieldFiles.read(grouped) == grid)
        #expect(pipelineError { _ = try FieldFiles.read(url, column: "x") }?.contains("--column applies to .csv and .tsv") == true)
    }

    @Test("CSV and TSV: one array per file, columns by name")
    func tables() throws {
        let dir = try Scratch()
        for name in ["out.csv", "out.tsv"] {
            let url = dir.file(name)
            try FieldFiles.write([("axis0", grid)], to: url)
            #expect(try FieldFiles.read(url) == grid)
            #expect(try FieldFiles.readAll(url).map(\.name) == ["out"])
        }
        #expect(try String(contentsOf: dir.file("out.tsv"), encoding: .utf8) == "0.1\t0.2\t0.3\n1.0\t2.0\t3.0\n")
        let several = pipelineError { try FieldFiles.write([("axis0", grid), ("axis1", grid)], to: dir.file("two.csv")) }
        #expect(several?.contains("a .csv file holds one array, but there are 2 results") == true)
        #expect(several?.contains(".npz or .h5") == true)
        let table = dir.file("table.csv")
        try Data("t,u\n0,1.5\n1,2.5\n".utf8).write(to: table)
        #expect(try FieldFiles.read(table, column: "u") == .float64(NDArray([1.5, 2.5])))
        #expect(pipelineError { _ = try FieldFiles.read(table, key: "u") }?.contains("--key 'u' applies to .npz archives and HDF5") == true)
        let bad = dir.file("bad.csv")
        try Data("1,2\n3,abc\n".utf8).write(to: bad)
        #expect(pipelineError { _ = try FieldFiles.read(bad) } == "\(bad.path): line 2, column 2: 'abc' is not a number")
    }

    @Test("npy and npz behave as before")
    func numpy() throws {
        let dir = try Scratch()
        let npy = dir.file("a.npy")
        try FieldFiles.write([("x", grid)], to: npy)
        #expect(try FieldFiles.read(npy) == grid)
        #expect(try FieldFiles.readAll(npy).map(\.name) == ["a"])
        let npz = dir.file("b.npz")
        try FieldFiles.write([("x", grid), ("y", grid)], to: npz)
        #expect(try FieldFiles.read(npz, key: "y") == grid)
        #expect(pipelineError { _ = try FieldFiles.read(npz) }?.contains("choose one with --key NAME") == true)
        #expect(pipelineError { try FieldFiles.write([("x", grid), ("y", grid)], to: dir.file("c.npy")) }?.contains("write a .npz") == true)
    }
}

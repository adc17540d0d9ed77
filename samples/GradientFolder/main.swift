// GradientFolder — the gradient of every .npy file in a folder, written as .npz archives, with the
// library alone (NablaFormats to read and write, Nabla to differentiate; no CLI, no pipeline jobs).
//
//     swift run GradientFolder [--spacing H] [--keep] [INPUT [OUTPUT]]
//
// INPUT     a folder of .npy files (not searched recursively). Without it, a temporary folder is filled
//           with a few generated fields (and removed at the end unless --keep is given).
// OUTPUT    where the archives go; default INPUT/gradients. FILE.npy becomes OUTPUT/FILE.npz with one
//           member per axis, axis0, axis1, … (∂f/∂x0, ∂f/∂x1, …), as `nabla gradient` writes them.
// --spacing the sample step H of every axis (default 1, numpy.gradient's default).
//
// The derivative is numpy.gradient's with edge_order=2: central differences inside, second-order
// one-sided differences at the edges, so second order everywhere. Float64, float32 and float16 keep their
// type; integers are differentiated in float64, as numpy does; booleans are skipped (numpy refuses them).
//
// Then one result is verified against its analytic derivative: `wave` (generated, or generated in a
// temporary folder when INPUT is given) is read back from its .npz and compared with the exact gradient;
// the error must be below the scheme's truncation bound (h²/3)·max|f'''|. The program exits with status 1
// if a file fails or the verification does.
import Foundation
import Nabla
import NablaFormats

// MARK: Arguments

struct Options {
    var input: URL?
    var output: URL?
    var spacing = 1.0
    var keep = false
}

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: GradientFolder [--spacing H] [--keep] [INPUT [OUTPUT]]\n".utf8))
    exit(2)
}

func parseOptions() -> Options {
    var options = Options()
    var positional: [String] = []
    var arguments = CommandLine.arguments.dropFirst()
    while let argument = arguments.popFirst() {
        switch argument {
        case "--spacing":
            guard let value = arguments.popFirst().flatMap(Double.init), value.isFinite, value != 0 else {
                FileHandle.standardError.write(Data("GradientFolder: --spacing needs a finite, non-zero number\n".utf8))
                usage()
            }
            options.spacing = value
        case "--keep": options.keep = true
        case "-h", "--help": usage()
        default:
            if argument.hasPrefix("-") { usage() }
            positional.append(argument)
        }
    }
    guard positional.count <= 2 else { usage() }
    options.input = positional.first.map { URL(fileURLWithPath: $0, isDirectory: true) }
    options.output = positional.dropFirst().first.map { URL(fileURLWithPath: $0, isDirectory: true) }
    return options
}

// MARK: Generated fields

/// The verified field `sin(0.1·x/h)·cos(0.15·y/h)` at `x = i·h`, `y = j·h`: the same samples whatever the
/// step `h`, so the check means the same thing for every `--spacing`.
struct Wave {
    static let shape = [96, 64]
    /// Wavenumbers along x and y, per unit of index.
    static let k = [0.1, 0.15]
    var h: Double

    func value(_ x: Double, _ y: Double) -> Double { sin(Self.k[0] * x / h) * cos(Self.k[1] * y / h) }
    /// `∂f/∂x` (`axis == 0`) or `∂f/∂y` (`axis == 1`).
    func derivative(_ x: Double, _ y: Double, along axis: Int) -> Double {
        let kx = Self.k[0] / h, ky = Self.k[1] / h
        return axis == 0 ? kx * cos(kx * x) * cos(ky * y) : -ky * sin(kx * x) * sin(ky * y)
    }
    /// `max|∂³f/∂x³|` or `max|∂³f/∂y³|`: the wavenumber cubed.
    func thirdDerivativeBound(along axis: Int) -> Double { pow(Self.k[axis] / h, 3) }
    var grid: Grid { Grid(GridAxis(start: 0, step: h, count: Self.shape[0]), GridAxis(start: 0, step: h, count: Self.shape[1])) }
}

/// Writes a few fields of different ranks and dtypes into `folder`.
func generateFields(in folder: URL, spacing h: Double) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let axis = { (n: Int) in GridAxis(start: 0, step: h, count: n) }
    // float64, 2-D: the verified one.
    let wave = Wave(h: h)
    try NPY.write(wave.grid.sample(wave.value), to: folder.appendingPathComponent("wave.npy"))
    // float32, 3-D: a Gaussian blob; the gradient stays float32.
    let blob: NDArray<Float> = Grid(axis(40), axis(40), axis(40)).sample { x, y, z in
        let r2 = (x - 20 * h) * (x - 20 * h) + (y - 20 * h) * (y - 20 * h) + (z - 20 * h) * (z - 20 * h)
        return Float(exp(-r2 / (100 * h * h)))
    }
    try NPY.write(blob, to: folder.appendingPathComponent("blob.npy"))
    // int32, 1-D: i², whose second-order gradient is exactly 2i/h (float64, as numpy).
    try NPY.write(NDArray((0..<50).map { Int32($0 * $0) }), to: folder.appendingPathComponent("squares.npy"))
    // bool: skipped.
    try NPY.write(try NDArray(shape: [8, 8]) { i in (i[0] + i[1]) % 2 == 0 }, to: folder.appendingPathComponent("mask.npy"))
}

// MARK: Differentiating a folder

enum Outcome {
    case written(URL)
    case skipped(String)
    case failed(String)
}

/// The gradient of one array as archive members, keeping float types and converting the rest to `Double`.
func gradientMembers(of field: AnyNDArray, spacing: Double) throws -> [(name: String, array: AnyNDArray)]? {
    func members<T: FieldScalar & NPYScalar>(_ a: NDArray<T>) throws -> [(name: String, array: AnyNDArray)] {
        try gradient(of: a, spacing: [.uniform(spacing)], edgeOrder: 2).enumerated().map { ("axis\($0.offset)", AnyNDArray($0.element)) }
    }
    switch field {
    case .float64(let a): return try members(a)
    case .float32(let a): return try members(a)
    case .float16(let a): return try members(a)
    case .bool: return nil
    default: return try members(field.asDouble())
    }
}

func milliseconds(_ d: Duration) -> String {
    String(format: "%7.1f ms", Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15)
}

/// Differentiates every `.npy` file of `input` into `output`, printing one line per file.
func differentiateFolder(_ input: URL, into output: URL, spacing: Double) throws -> [String: Outcome] {
    let names = try FileManager.default.contentsOfDirectory(atPath: input.path).filter { $0.hasSuffix(".npy") }.sorted()
    guard !names.isEmpty else { throw ValidationFailure("\(input.path) holds no .npy files") }
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    print("  file                   shape            dtype             read     gradient        write")
    let clock = ContinuousClock()
    var outcomes: [String: Outcome] = [:]
    for name in names {
        let stem = String(name.dropLast(4))
        let target = output.appendingPathComponent(stem + ".npz")
        var line = "  " + name.padding(toLength: 22, withPad: " ", startingAt: 0)
        do {
            var t = clock.now
            let field = try NPY.read(from: input.appendingPathComponent(name))
            let read = clock.now - t
            line += " " + "\(field.shape)".padding(toLength: 16, withPad: " ", startingAt: 0)
            t = clock.now
            guard let members = try gradientMembers(of: field, spacing: spacing) else {
                print(line + " \(field.dtype.name.padding(toLength: 8, withPad: " ", startingAt: 0))  skipped: numpy.gradient refuses booleans")
                outcomes[stem] = .skipped("bool")
                continue
            }
            let differentiated = clock.now - t
            t = clock.now
            try NPZ.write(members, to: target)
            let written = clock.now - t
            let types = field.dtype.name + " → " + (members.first?.array.dtype.name ?? "-")
            print(line + " " + types.padding(toLength: 17, withPad: " ", startingAt: 0)
                  + milliseconds(read) + "   " + milliseconds(differentiated) + "   " + milliseconds(written))
            outcomes[stem] = .written(target)
        } catch {
            print(line + " FAILED: \(error)")
            outcomes[stem] = .failed("\(error)")
        }
    }
    return outcomes
}

struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: Verification

/// Reads `wave.npz` back and compares it with the exact gradient; returns a failure message or nil.
func verifyWave(archive: URL, spacing h: Double) throws -> String? {
    let members = try NPZ.read(from: archive)
    let wave = Wave(h: h)
    print("verification: \(archive.lastPathComponent) read back, against the analytic gradient of sin(0.1·x/h)·cos(0.15·y/h):")
    var failure: String?
    for k in 0..<2 {
        guard let member = members.first(where: { $0.name == "axis\(k)" }), let computed = member.array.array(of: Double.self) else {
            return "\(archive.path): member axis\(k) (float64) is missing"
        }
        let exact = wave.grid.sample { x, y in wave.derivative(x, y, along: k) }
        let error = (computed - exact).maxMagnitude()
        let bound = h * h / 3 * wave.thirdDerivativeBound(along: k)
        let ok = error <= bound
        print(String(format: "  ∂f/∂x%d: max |error| %.3e   bound (h²/3)·max|f'''| = %.3e   %@", k, error, bound, ok ? "ok" : "EXCEEDED"))
        if !ok { failure = String(format: "wave axis%d: error %.3e exceeds the bound %.3e", k, error, bound) }
    }
    print("  the bound is rigorous: at an edge the error is (h²/3)·f'''(ξ) for some ξ under the one-sided stencil")
    print("  (h²/6·f'''(ξ) inside); along x0 the edge x = 0, where |f'''| is largest, nearly attains it.")
    return failure
}

/// `squares.npz` must hold 2i/h (to rounding): the scheme is exact on quadratics.
func verifySquares(archive: URL, spacing h: Double) throws -> String? {
    guard let d = try NPZ.read(from: archive).first?.array.array(of: Double.self) else { return "squares.npz: no float64 member" }
    let wrong = d.scalars.enumerated().filter { i, value in
        let exact = 2 * Double(i) / h
        return abs(value - exact) > 1e-12 * max(1, abs(exact))
    }.count
    print("  squares (int32 i²): gradient equals 2i/h to rounding at \(d.count - wrong) of \(d.count) points (the scheme is exact on quadratics)")
    return wrong == 0 ? nil : "squares: \(wrong) points differ from 2i/h"
}

// MARK: Main

let options = parseOptions()
let clock = ContinuousClock()
let started = clock.now
var failures: [String] = []
var temporary: URL?
do {
    let input: URL
    if let given = options.input {
        input = given
    } else {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-gradient-folder-\(UUID().uuidString)")
        temporary = root
        input = root.appendingPathComponent("fields", isDirectory: true)
        try generateFields(in: input, spacing: options.spacing)
        print("no folder given: generated fields in \(input.path)")
    }
    let output = options.output ?? input.appendingPathComponent("gradients", isDirectory: true)
    print("GradientFolder — \(input.path) → \(output.path) (numpy.gradient, edge order 2, spacing \(options.spacing))")
    let outcomes = try differentiateFolder(input, into: output, spacing: options.spacing)
    for (stem, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
        if case .failed(let message) = outcome { failures.append("\(stem): \(message)") }
    }
    let written = outcomes.values.filter { if case .written = $0 { true } else { false } }.count
    print("\(written) archive\(written == 1 ? "" : "s") written to \(output.path)")
    print("")

    // Verify the generated wave; when the folder was the user's, through the same code in a scratch folder.
    var checkOutput = output
    if options.input != nil {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-gradient-folder-\(UUID().uuidString)")
        temporary = root
        let fields = root.appendingPathComponent("fields", isDirectory: true)
        try generateFields(in: fields, spacing: options.spacing)
        checkOutput = root.appendingPathComponent("gradients", isDirectory: true)
        print("self-check on generated fields in \(fields.path):")
        _ = try differentiateFolder(fields, into: checkOutput, spacing: options.spacing)
    }
    if let message = try verifyWave(archive: checkOutput.appendingPathComponent("wave.npz"), spacing: options.spacing) {
        failures.append(message)
    }
    if let message = try verifySquares(archive: checkOutput.appendingPathComponent("squares.npz"), spacing: options.spacing) {
        failures.append(message)
    }
} catch {
    failures.append("\(error)")
}
if let temporary {
    if options.keep && options.input == nil {
        print("kept \(temporary.path)")
    } else {
        try? FileManager.default.removeItem(at: temporary)
        if options.input == nil { print("removed the temporary folder (pass --keep to keep it)") }
    }
}
let elapsed = (clock.now - started).components
print(String(format: "\ntime: %.2f s", Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18))
guard failures.isEmpty else {
    FileHandle.standardError.write(Data(("GradientFolder: FAILED\n" + failures.map { "  " + $0 + "\n" }.joined()).utf8))
    exit(1)
}
print("OK: every file differentiated, wave within its truncation bound, squares exact")

// A timing tool for compare.py: times Nabla's gradient and a plain multi-threaded copy of the same bytes
// in one process, and prints one JSON object.
//
//   NablaBench SHAPE DTYPE SPACING ACCURACY OP [REPEATS]
//   SHAPE: 256x256x256 · DTYPE: f64|f32|c128 · SPACING: uniform|coords · ACCURACY: 2|4|6|8 · OP: gradient|laplacian|memory
//
// Timings are the minimum over REPEATS runs (default 5), in milliseconds:
//   gradient_first_ms  — the first call (`into:` empty outputs): allocation, and for coordinates their
//                        check and per-row weights, which later calls find cached
//   gradient_ms        — outputs supplied by the caller (`into:`), no allocation; second and later calls
//   gradient_alloc_ms  — fresh outputs each run (allocation and page faults included)
//   copy_ms            — the copy limit: for each output, every input byte read once and written once,
//                        on all cores, into preallocated outputs
//   c128 also prints two_f64_ms — the gradient (`into:`) of two float64 fields of the same shape, the cost
//                        a complex128 field should match
import Dispatch
import Foundation
import Nabla
import NablaComplex

nonisolated(unsafe) var axisOnly: Int? = nil

@main
struct NablaBench {
    static func main() throws {
        let args = CommandLine.arguments
        guard args.count >= 6 else {
            FileHandle.standardError.write(Data("usage: NablaBench SHAPE f64|f32 uniform|coords ACCURACY gradient|laplacian [REPEATS]\n".utf8))
            exit(2)
        }
        let shape = args[1].split(separator: "x").compactMap { Int($0) }
        let coords = args[3] == "coords"
        let accuracy = Int(args[4]) ?? 2
        let op = args[5]
        let repeats = args.count > 6 ? Int(args[6]) ?? 5 : 5
        axisOnly = args.count > 7 ? Int(args[7]) : nil
        if args[2] == "c128" {
            try runComplex(shape: shape, coords: coords, accuracy: accuracy, repeats: repeats)
        } else if args[2] == "f32" {
            try run(Float.self, shape: shape, coords: coords, accuracy: accuracy, op: op, repeats: repeats)
        } else {
            try run(Double.self, shape: shape, coords: coords, accuracy: accuracy, op: op, repeats: repeats)
        }
    }

    static func run<T: FieldScalar>(_: T.Type, shape: [Int], coords: Bool, accuracy: Int, op: String, repeats: Int) throws {
        let count = shape.reduce(1, *)
        var state: UInt64 = 0x9E3779B97F4A7C15
        let values = (0..<count).map { _ -> T in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return T(Double(state >> 11) / Double(1 << 53))
        }
        let f = try NDArray(shape: shape, scalars: values)
        let axes: [Int]? = axisOnly.map { [$0] }
        let spacing: [Spacing] = (axisOnly.map { [shape[$0]] } ?? shape).map { n in
            coords ? .coordinates((0..<n).map { Double($0) * 0.1 + 0.01 * sin(Double($0)) }) : .uniform(0.1)
        }
        let outputsCount = op == "laplacian" || axisOnly != nil ? 1 : shape.count
        if op == "memory" {
            // Peak resident memory of one gradient (fresh outputs) next to the bytes of input + outputs.
            let results = try gradient(of: f, spacing: spacing, axes: axes, edgeOrder: 2, accuracy: accuracy)
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let dataMB = Double(count * MemoryLayout<T>.stride * (1 + results.count)) / 1048576
            // `f` shares the generator's storage (copy-on-write), so input + outputs is all the data.
            print("{\"peak_rss_mb\": \(Double(usage.ru_maxrss) / 1024), \"input_outputs_mb\": \(dataMB)}")
            return
        }

        // Plain copy limit.
        var copies = (0..<outputsCount).map { _ in [T](repeating: 0, count: count) }
        let copyMs = best(repeats) {
            for k in 0..<copies.count {
                values.withUnsafeBufferPointer { src in
                    copies[k].withUnsafeMutableBufferPointer { dst in
                        let s = UncheckedPointer(src.baseAddress!), d = UncheckedMutablePointer(dst.baseAddress!)
                        let chunks = 8
                        DispatchQueue.concurrentPerform(iterations: chunks) { c in
                            let lo = count * c / chunks, hi = count * (c + 1) / chunks
                            (d.p + lo).update(from: s.p + lo, count: hi - lo)
                        }
                    }
                }
            }
        }
        var outputs: [NDArray<T>] = []
        var gradientMs = 0.0, allocMs = 0.0, firstMs = 0.0
        if op == "laplacian" {
            allocMs = try bestThrowing(repeats) { _ = try laplacian(of: f, spacing: spacing, accuracy: accuracy) }
            gradientMs = allocMs
        } else {
            // The first call (outputs allocated, coordinates checked and weights built, then cached) is
            // reported apart; the timed calls are the second and later ones.
            firstMs = try bestThrowing(1) {
                try gradient(of: f, spacing: spacing, axes: axes, edgeOrder: 2, accuracy: accuracy, into: &outputs)
            }
            gradientMs = try bestThrowing(repeats) {
                try gradient(of: f, spacing: spacing, axes: axes, edgeOrder: 2, accuracy: accuracy, into: &outputs)
            }
            allocMs = try bestThrowing(repeats) {
                _ = try gradient(of: f, spacing: spacing, axes: axes, edgeOrder: 2, accuracy: accuracy)
            }
        }
        print("{\"gradient_ms\": \(gradientMs), \"gradient_alloc_ms\": \(allocMs), \"gradient_first_ms\": \(firstMs), \"copy_ms\": \(copyMs), \"threads\": \(ProcessInfo.processInfo.activeProcessorCount)}")
    }

    /// complex128: Nabla's complex gradient next to two float64 gradients and the copy limit of its bytes.
    static func runComplex(shape: [Int], coords: Bool, accuracy: Int, repeats: Int) throws {
        let count = shape.reduce(1, *)
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let re = (0..<count).map { _ in next() }, im = (0..<count).map { _ in next() }
        let z = try NDArray(shape: shape, scalars: zip(re, im).map { Complex($0, $1) })
        let parts = [try NDArray(shape: shape, scalars: re), try NDArray(shape: shape, scalars: im)]
        let spacing: [Spacing] = shape.map { n in
            coords ? .coordinates((0..<n).map { Double($0) * 0.1 + 0.01 * sin(Double($0)) }) : .uniform(0.1)
        }
        var outputs: [NDArray<Complex<Double>>] = []
        try gradient(of: z, spacing: spacing, edgeOrder: 2, accuracy: accuracy, into: &outputs)
        let intoMs = try bestThrowing(repeats) {
            try gradient(of: z, spacing: spacing, edgeOrder: 2, accuracy: accuracy, into: &outputs)
        }
        let allocMs = try bestThrowing(repeats) { _ = try gradient(of: z, spacing: spacing, edgeOrder: 2, accuracy: accuracy) }
        var realOutputs: [[NDArray<Double>]] = [[], []]
        for k in 0..<2 { try gradient(of: parts[k], spacing: spacing, edgeOrder: 2, accuracy: accuracy, into: &realOutputs[k]) }
        let pairMs = try bestThrowing(repeats) {
            for k in 0..<2 { try gradient(of: parts[k], spacing: spacing, edgeOrder: 2, accuracy: accuracy, into: &realOutputs[k]) }
        }
        let flat = zip(re, im).flatMap { [$0, $1] }
        var copies = shape.map { _ in [Double](repeating: 0, count: 2 * count) }
        let copyMs = best(repeats) {
            for k in 0..<copies.count {
                flat.withUnsafeBufferPointer { src in
                    copies[k].withUnsafeMutableBufferPointer { dst in
                        let s = UncheckedPointer(src.baseAddress!), d = UncheckedMutablePointer(dst.baseAddress!)
                        let n = 2 * count, chunks = 8
                        DispatchQueue.concurrentPerform(iterations: chunks) { c in
                            let lo = n * c / chunks, hi = n * (c + 1) / chunks
                            (d.p + lo).update(from: s.p + lo, count: hi - lo)
                        }
                    }
                }
            }
        }
        print("{\"gradient_ms\": \(intoMs), \"gradient_alloc_ms\": \(allocMs), \"copy_ms\": \(copyMs), \"two_f64_ms\": \(pairMs), \"threads\": \(ProcessInfo.processInfo.activeProcessorCount)}")
    }

    static func best(_ repeats: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let t = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
        }
        return best
    }

    static func bestThrowing(_ repeats: Int, _ body: () throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let t = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
        }
        return best
    }
}

/// Pointers handed to the copy workers, which write disjoint ranges.
struct UncheckedPointer<T>: @unchecked Sendable { let p: UnsafePointer<T>; init(_ p: UnsafePointer<T>) { self.p = p } }
struct UncheckedMutablePointer<T>: @unchecked Sendable { let p: UnsafeMutablePointer<T>; init(_ p: UnsafeMutablePointer<T>) { self.p = p } }

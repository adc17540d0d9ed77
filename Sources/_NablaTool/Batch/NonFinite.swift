import Nabla
import NablaFormats

extension AnyNDArray {
    /// The number of NaN and ±infinity elements (0 for integer and boolean arrays).
    var nonFiniteCount: Int {
        switch self {
        case let .float16(a): a.nonFiniteCount
        case let .float32(a): a.nonFiniteCount
        case let .float64(a): a.nonFiniteCount
        case let .complex64(a): a.scalars.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        case let .complex128(a): a.scalars.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        default: 0
        }
    }
}

extension NDArray where Element: BinaryFloatingPoint {
    var nonFiniteCount: Int { scalars.nonFiniteCount }
}

extension Collection where Element: BinaryFloatingPoint {
    /// The number of NaN and ±infinity elements.
    var nonFiniteCount: Int {
        var n = 0
        for v in self where !v.isFinite { n &+= 1 }
        return n
    }
}

// MARK: On the slab engine's path

/// The NaN and infinite values a batch file's slab-engine run read and wrote: the counts the in-memory
/// path takes from the whole input (``AnyNDArray/nonFiniteCount``) and from every result.
///
/// Shared by the engine's reader, computing and writer threads (each count under its lock).
final class NonFiniteTally: Sendable {
    /// Non-finite values in the input (every component), each input element counted once.
    var input: Int { inputCount.withLock { $0 } }
    /// Non-finite values in the results.
    var output: Int { outputCount.withLock { $0 } }

    private let inputCount = Locked(0)
    private let outputCount = Locked(0)
    /// Per component, the input planes already counted (halo planes are read by two slabs).
    private let counted = Locked<[[Bool]]>([])

    init() {}

    /// Counts the planes of `buffer` (holding the global planes `runs`, in order, of `component`) that
    /// have not been counted yet.
    fileprivate func countInput<T: FieldScalar>(_ buffer: NDArray<T>, component: Int, runs: [Range<Int>], planeCount: Int) {
        let planeElements = buffer.shape.dropFirst().reduce(1, *)
        var fresh: [Range<Int>] = []  // buffer element ranges of planes seen for the first time
        counted.withLock { counted in
            while counted.count <= component { counted.append([]) }
            if counted[component].isEmpty { counted[component] = Array(repeating: false, count: planeCount) }
            var at = 0
            for run in runs {
                for plane in run where !counted[component][plane] {
                    counted[component][plane] = true
                    let start = (at + plane - run.lowerBound) * planeElements
                    fresh.append(start..<start + planeElements)
                }
                at += run.count
            }
        }
        let n = fresh.reduce(0) { $0 + Self.nonFiniteCount(buffer.scalars[$1]) }
        if n > 0 { inputCount.withLock { $0 += n } }
    }

    /// The count in the loop compiled for the concrete element type: the engine calls sources and sinks
    /// from generic code, where the generic loop would run unspecialised (about 30× slower). (The
    /// bit casts only retype a slice whose type was just checked; `as?` would copy it element by element.)
    private static func nonFiniteCount<T: FieldScalar>(_ elements: ArraySlice<T>) -> Int {
        if T.self == Double.self { return unsafeBitCast(elements, to: ArraySlice<Double>.self).nonFiniteCount }
        if T.self == Float.self { return unsafeBitCast(elements, to: ArraySlice<Float>.self).nonFiniteCount }
        if T.self == Float16.self { return unsafeBitCast(elements, to: ArraySlice<Float16>.self).nonFiniteCount }
        return elements.nonFiniteCount
    }

    fileprivate func countOutput<T: FieldScalar>(_ elements: ArraySlice<T>) {
        let n = Self.nonFiniteCount(elements)
        if n > 0 { outputCount.withLock { $0 += n } }
    }
}

/// A ``FieldSource`` that counts the non-finite values it serves into a ``NonFiniteTally``.
struct TallyingSource<Base: FieldSource>: FieldSource {
    let base: Base
    let tally: NonFiniteTally

    var shape: [Int] { base.shape }
    var componentCount: Int { base.componentCount }

    func read(component: Int, runs: [Range<Int>], into buffer: inout NDArray<Base.Scalar>) throws {
        try base.read(component: component, runs: runs, into: &buffer)
        tally.countInput(buffer, component: component, runs: runs, planeCount: shape[0])
    }
}

/// A ``FieldSink`` that counts the non-finite results it stores into a ``NonFiniteTally``.
struct TallyingSink<Base: FieldSink>: FieldSink {
    let base: Base
    let tally: NonFiniteTally

    func write(result: Int, planes: Range<Int>, from buffer: NDArray<Base.Scalar>, bufferPlane: Int) throws {
        try base.write(result: result, planes: planes, from: buffer, bufferPlane: bufferPlane)
        let planeElements = buffer.shape.dropFirst().reduce(1, *)
        tally.countOutput(buffer.scalars[bufferPlane * planeElements..<(bufferPlane + planes.count) * planeElements])
    }
}

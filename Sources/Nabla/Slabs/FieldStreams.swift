/// Where the slab engine reads a field from: a file, another process's memory, or an array.
///
/// A source serves whole planes of axis 0 (C order: a plane is one contiguous run of
/// `shape[1...]`-many elements). A vector field (divergence, curl) has one component per axis, each a
/// field of ``shape``; a scalar field has one.
public protocol FieldSource<Scalar> {
    /// The element type the engine computes in.
    associatedtype Scalar: FieldScalar
    /// The shape of each component.
    var shape: [Int] { get }
    /// The number of components: 1 for a scalar field, the rank for a vector field.
    var componentCount: Int { get }
    /// Fills `buffer`, whose shape is `[runs' total plane count] + shape[1...]`, with the planes of
    /// `component` in `runs`, in order (a periodic halo may wrap: up to three runs).
    func read(component: Int, runs: [Range<Int>], into buffer: inout NDArray<Scalar>) throws
}

/// Where the slab engine writes results: planes of each result array, in increasing plane order.
public protocol FieldSink<Scalar> {
    /// The element type of the results.
    associatedtype Scalar: FieldScalar
    /// Stores the global planes `planes` of result `result`, which are the planes
    /// `bufferPlane..<bufferPlane + planes.count` of `buffer`.
    func write(result: Int, planes: Range<Int>, from buffer: NDArray<Scalar>, bufferPlane: Int) throws
}

/// A field held in memory, served plane by plane (for tests, and for data already in memory).
public struct ArrayFieldSource<Scalar: FieldScalar>: FieldSource {
    /// The components, all of one shape.
    public let components: [NDArray<Scalar>]

    /// A source of `components` (one array for a scalar field).
    public init(_ components: [NDArray<Scalar>]) {
        precondition(!components.isEmpty && components.allSatisfy { $0.shape == components[0].shape },
                     "a field source needs components of one shape")
        self.components = components
    }

    public var shape: [Int] { components[0].shape }
    public var componentCount: Int { components.count }

    public func read(component: Int, runs: [Range<Int>], into buffer: inout NDArray<Scalar>) throws {
        let plane = shape.dropFirst().reduce(1, *)
        let source = components[component].scalars
        var at = 0
        for run in runs {
            buffer.scalars.replaceSubrange(at..<at + run.count * plane, with: source[run.lowerBound * plane..<run.upperBound * plane])
            at += run.count * plane
        }
    }
}

/// Results collected in memory: one array per result, each of the field's shape.
public final class ArrayFieldSink<Scalar: FieldScalar>: FieldSink {
    /// The results so far (planes not yet written hold zeros).
    public private(set) var results: [NDArray<Scalar>]

    /// A sink for `count` results of `shape`.
    public init(count: Int, shape: [Int]) throws(NablaError) {
        results = try (0..<count).map { _ throws(NablaError) in try NDArray(repeating: 0, shape: shape) }
    }

    public func write(result: Int, planes: Range<Int>, from buffer: NDArray<Scalar>, bufferPlane: Int) throws {
        let plane = buffer.shape.dropFirst().reduce(1, *)
        let count = planes.count * plane
        results[result].scalars.replaceSubrange(planes.lowerBound * plane..<planes.lowerBound * plane + count,
                                                with: buffer.scalars[bufferPlane * plane..<bufferPlane * plane + count])
    }
}

/// A rectilinear grid: the product of its axes, like `numpy.mgrid` or `numpy.meshgrid(..., indexing="ij")`.
///
/// ```swift
/// let grid = Grid(.mgrid(-100, 101, step: 25), .mgrid(-100, 101, step: 25), .mgrid(-100, 101, step: 25))
/// let V: NDArray<Double> = grid.sample { x, y, z in 2*x*x + 3*y*y - 4*z }
/// let E = try grid.gradient(of: V).map { -$0 }   // [Ex, Ey, Ez]
/// ```
public struct Grid: Sendable, Hashable {
    /// The axes, in array-axis order (axis 0 varies slowest in memory).
    public var axes: [GridAxis]

    /// A grid from its axes.
    public init(_ axes: [GridAxis]) { self.axes = axes }
    /// A grid from its axes.
    public init(_ axes: GridAxis...) { self.axes = axes }

    /// The shape of arrays sampled on this grid.
    public var shape: [Int] { axes.map(\.count) }
    /// The number of axes.
    public var rank: Int { axes.count }

    /// The spacing of every axis, in the form `gradient(of:spacing:)` takes.
    public var spacing: [Spacing] { axes.map(\.spacing) }

    /// The position of the grid point at a multi-index.
    public func point(at index: [Int]) -> [Double] {
        zip(axes, index).map { $0.coordinate(at: $1) }
    }

    /// Samples `f` at every grid point, in row-major order.
    ///
    /// - Complexity: `count` calls of `f`, on the calling thread.
    public func sample<T: Sendable>(_ f: ([Double]) throws -> T) rethrows -> NDArray<T> {
        let coordinates = axes.map(\.coordinates)
        let shape = self.shape
        let count = shape.reduce(1, *)
        var scalars: [T] = []
        scalars.reserveCapacity(count)
        var index = [Int](repeating: 0, count: rank)
        var point = [Double](repeating: 0, count: rank)
        for _ in 0..<count {
            for k in 0..<rank { point[k] = coordinates[k][index[k]] }
            scalars.append(try f(point))
            NDArray<T>.increment(&index, shape: shape)
        }
        return NDArray(uncheckedShape: shape, scalars: scalars)
    }

    /// Samples `f(x)` on a 1-D grid.
    public func sample<T: Sendable>(_ f: (Double) throws -> T) rethrows -> NDArray<T> {
        precondition(rank == 1, "a closure of one coordinate samples a 1-D grid; this grid has rank \(rank)")
        return try sample { p in try f(p[0]) }
    }

    /// Samples `f(x, y)` on a 2-D grid.
    public func sample<T: Sendable>(_ f: (Double, Double) throws -> T) rethrows -> NDArray<T> {
        precondition(rank == 2, "a closure of two coordinates samples a 2-D grid; this grid has rank \(rank)")
        return try sample { p in try f(p[0], p[1]) }
    }

    /// Samples `f(x, y, z)` on a 3-D grid.
    public func sample<T: Sendable>(_ f: (Double, Double, Double) throws -> T) rethrows -> NDArray<T> {
        precondition(rank == 3, "a closure of three coordinates samples a 3-D grid; this grid has rank \(rank)")
        return try sample { p in try f(p[0], p[1], p[2]) }
    }

    /// The coordinate arrays of the grid with 'ij' indexing: element `k` holds the `k`-th coordinate of
    /// every point (`numpy.mgrid[...]` / `numpy.meshgrid(..., indexing="ij")`).
    public func coordinateArrays() -> [NDArray<Double>] {
        (0..<rank).map { k in sample { p in p[k] } }
    }
}

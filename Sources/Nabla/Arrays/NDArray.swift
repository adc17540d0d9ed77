// Why this file uses raw pointers: it owns NDArray's storage. Callers may borrow the row-major storage
// for the duration of a closure (`withUnsafeBufferPointer`, as numpy hands out its data buffer), and
// `transposed` copies fixed-width words in cache-sized tiles, which needs untyped access to the
// elements. No pointer taken here outlives its closure.

/// An N-dimensional array: a shape and contiguous row-major (C-order) storage.
///
/// `NDArray` is a value type with copy-on-write storage (it is backed by a Swift `Array`), so an array
/// handed to a function can never be changed behind the caller's back: every mutation of a shared
/// array copies it first. This is what makes the aliasing trap of hand-written gradient checks
/// (`x[i] += eps` changing the caller's point) impossible with Nabla's types.
///
/// The element at multi-index `(i0, i1, …, i(n-1))` lives at flat offset
/// ```
/// offset = ((i0 · s1 + i1) · s2 + i2) · … + i(n-1)
/// ```
/// where `s` is the shape — the layout of `numpy.ndarray` in C order.
///
/// A 0-D array (shape `[]`) holds exactly one element.
public struct NDArray<Element>: Sendable where Element: Sendable {
    /// The length of each axis.
    public let shape: [Int]
    /// The elements in row-major order. `scalars.count == shape.reduce(1, *)`.
    public internal(set) var scalars: [Element]

    /// Creates an array from flat row-major storage and a shape.
    ///
    /// - Throws: ``NablaError/shapeMismatch(expected:actual:)`` when the number of elements is not the
    ///   product of the shape, ``NablaError/invalidShape(_:)`` when an axis length is negative.
    public init(shape: [Int], scalars: [Element]) throws(NablaError) {
        let count = try Self.elementCount(of: shape)
        guard count == scalars.count else {
            throw .shapeMismatch(expected: shape, actual: "\(scalars.count) elements")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates an array without checking; the caller guarantees `scalars.count == product(shape)`.
    @usableFromInline
    init(uncheckedShape shape: [Int], scalars: [Element]) {
        assert(shape.reduce(1, *) == scalars.count, "shape \(shape) does not match \(scalars.count) elements")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates an array of the given shape with every element equal to `value`.
    public init(repeating value: Element, shape: [Int]) throws(NablaError) {
        let count = try Self.elementCount(of: shape)
        self.shape = shape
        self.scalars = Array(repeating: value, count: count)
    }

    /// Creates a 1-D array.
    public init(_ elements: [Element]) {
        self.shape = [elements.count]
        self.scalars = elements
    }

    /// Creates a 0-D array holding one value.
    public init(scalar: Element) {
        self.shape = []
        self.scalars = [scalar]
    }

    /// Creates an array of the given shape whose element at each multi-index is `body(index)`.
    public init(shape: [Int], _ body: ([Int]) throws -> Element) throws {
        let count = try Self.elementCount(of: shape)
        var scalars: [Element] = []
        scalars.reserveCapacity(count)
        var index = [Int](repeating: 0, count: shape.count)
        for _ in 0..<count {
            scalars.append(try body(index))
            Self.increment(&index, shape: shape)
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// The number of axes (numpy's `ndim`).
    @inlinable public var rank: Int { shape.count }
    /// The number of elements (numpy's `size`).
    @inlinable public var count: Int { scalars.count }

    /// Row-major strides, in elements: `strides[k]` is the product of `shape[(k+1)...]`.
    public var strides: [Int] { Self.strides(for: shape) }

    /// Reads or writes the element at a multi-index. Negative indices are not accepted.
    ///
    /// - Precondition: `index.count == rank` and every index is within its axis.
    public subscript(index: [Int]) -> Element {
        get { scalars[flatOffset(index)] }
        set { scalars[flatOffset(index)] = newValue }
    }

    /// Reads or writes the element at a multi-index given as separate integers: `a[1, 2, 3]`.
    public subscript(index: Int...) -> Element {
        get { scalars[flatOffset(index)] }
        set { scalars[flatOffset(index)] = newValue }
    }

    /// The flat offset of a multi-index.
    public func flatOffset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) has \(index.count) components; the array has rank \(rank)")
        var offset = 0
        for (i, n) in zip(index, shape) {
            precondition(i >= 0 && i < n, "index \(index) is outside shape \(shape)")
            offset = offset * n + i
        }
        return offset
    }

    /// The multi-index of a flat offset.
    public func multiIndex(ofFlatOffset offset: Int) -> [Int] {
        precondition(offset >= 0 && offset < count, "offset \(offset) is outside 0..<\(count)")
        var rest = offset
        var index = [Int](repeating: 0, count: rank)
        for k in stride(from: rank - 1, through: 0, by: -1) {
            index[k] = rest % shape[k]
            rest /= shape[k]
        }
        return index
    }

    /// Calls `body` with the row-major storage. The pointer is valid only inside `body`.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with mutable row-major storage (copying it first if it is shared).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Element>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    /// A copy with a new shape of the same element count (numpy's `reshape` on a C-order array).
    /// Replaces the elements at flat offsets `range` with `values` (as many), in place.
    package mutating func replaceElements<C: Collection>(_ range: Range<Int>, with values: C) where C.Element == Element {
        precondition(range.lowerBound >= 0 && range.upperBound <= count && values.count == range.count,
                     "replaceElements: \(values.count) values for the range \(range) of \(count) elements")
        scalars.replaceSubrange(range, with: values)
    }

    public func reshaped(_ newShape: [Int]) throws(NablaError) -> NDArray {
        let n = try Self.elementCount(of: newShape)
        guard n == count else {
            throw .shapeMismatch(expected: newShape, actual: "\(count) elements of shape \(shape)")
        }
        return NDArray(uncheckedShape: newShape, scalars: scalars)
    }

    /// A copy with the axes permuted: axis `k` of the result is axis `permutation[k]` of `self`
    /// (numpy's `transpose(axes)`). Without an argument the axes are reversed.
    public func transposed(_ permutation: [Int]? = nil) throws(NablaError) -> NDArray {
        let perm = permutation ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw .invalidArgument("\(perm) is not a permutation of the axes 0..<\(rank)")
        }
        let newShape = perm.map { shape[$0] }
        if count == 0 { return NDArray(uncheckedShape: newShape, scalars: []) }
        let oldStrides = strides
        let sourceStrides = perm.map { oldStrides[$0] }
        /// Copies the words of `source` into `destination` in C order of `shape`, where output multi-index `i`
        /// reads source word `Σ i[k] · sourceStrides[k]` (a permutation of a contiguous array's strides).
        ///
        /// The output's last axis and the axis that is contiguous in the source are walked in 32 × 32 tiles,
        /// so both the reads and the writes of a tile stay in cache; the other axes are an odometer.
        func permute<W>(_ source: UnsafeRawBufferPointer, _ destination: UnsafeMutableRawBufferPointer,
                                       as _: W.Type, shape: [Int], sourceStrides: [Int]) {
            let src = source.baseAddress!.assumingMemoryBound(to: W.self)
            let dst = destination.baseAddress!.assumingMemoryBound(to: W.self)
            let rank = shape.count
            let q = rank - 1
            let outStrides = Self.strides(for: shape)
            // The output axis that is contiguous in the source (the one with source stride 1).
            let p = sourceStrides.firstIndex(of: 1).flatMap { shape[$0] > 1 ? $0 : nil } ?? q
            let others = (0..<rank).filter { $0 != p && $0 != q }
            var index = [Int](repeating: 0, count: others.count)
            let outerCount = others.reduce(1) { $0 * shape[$1] }
            let lengthQ = shape[q], strideQ = sourceStrides[q]
            let block = 32
            for _ in 0..<outerCount {
                var srcBase = 0, dstBase = 0
                for (j, axis) in others.enumerated() {
                    srcBase &+= index[j] &* sourceStrides[axis]
                    dstBase &+= index[j] &* outStrides[axis]
                }
                if p == q {
                    for b in 0..<lengthQ { dst[dstBase &+ b] = src[srcBase &+ b &* strideQ] }
                } else {
                    let lengthP = shape[p], strideP = sourceStrides[p], outP = outStrides[p]
                    for a0 in stride(from: 0, to: lengthP, by: block) {
                        let a1 = min(lengthP, a0 &+ block)
                        for b0 in stride(from: 0, to: lengthQ, by: block) {
                            let b1 = min(lengthQ, b0 &+ block)
                            for a in a0..<a1 {
                                let s = srcBase &+ a &* strideP, d = dstBase &+ a &* outP
                                for b in b0..<b1 { dst[d &+ b] = src[s &+ b &* strideQ] }
                            }
                        }
                    }
                }
                // Advance the odometer over the other axes (last fastest).
                var j = others.count - 1
                while j >= 0 {
                    index[j] += 1
                    if index[j] < shape[others[j]] { break }
                    index[j] = 0
                    j -= 1
                }
            }
        }

        // Plain-data elements of 1, 2, 4 or 8 bytes: a cache-blocked copy of fixed-width words, into
        // fresh storage advised to use huge pages (e.g. Fortran-order .npy files are read this way).
        let width = MemoryLayout<Element>.stride
        if rank >= 2, _isPOD(Element.self), width == MemoryLayout<Element>.size, [1, 2, 4, 8].contains(width) {
            let total = count
            let result = [Element](unsafeUninitializedCapacity: total) { buffer, initialized in
                let destination = UnsafeMutableRawBufferPointer(buffer)
                Memory.adviseHugePages(destination)
                scalars.withUnsafeBytes { source in
                    switch width {
                    case 1: permute(source, destination, as: UInt8.self, shape: newShape, sourceStrides: sourceStrides)
                    case 2: permute(source, destination, as: UInt16.self, shape: newShape, sourceStrides: sourceStrides)
                    case 4: permute(source, destination, as: UInt32.self, shape: newShape, sourceStrides: sourceStrides)
                    default: permute(source, destination, as: UInt64.self, shape: newShape, sourceStrides: sourceStrides)
                    }
                }
                initialized = total
            }
            return NDArray(uncheckedShape: newShape, scalars: result)
        }
        var result: [Element] = []
        result.reserveCapacity(count)
        var index = [Int](repeating: 0, count: rank)
        scalars.withUnsafeBufferPointer { src in
            for _ in 0..<count {
                var offset = 0
                for k in 0..<index.count { offset += index[k] * sourceStrides[k] }
                result.append(src[offset])
                Self.increment(&index, shape: newShape)
            }
        }
        return NDArray(uncheckedShape: newShape, scalars: result)
    }

    /// The array with `transform` applied to every element.
    public func map<T>(_ transform: (Element) throws -> T) rethrows -> NDArray<T> {
        NDArray<T>(uncheckedShape: shape, scalars: try scalars.map(transform))
    }

    // MARK: Shape arithmetic

    /// The product of a shape's axis lengths, checking for negative lengths and overflow.
    public static func elementCount(of shape: [Int]) throws(NablaError) -> Int {
        var n = 1
        for length in shape {
            guard length >= 0 else { throw .invalidShape("axis length \(length) in shape \(shape) is negative") }
            let (product, overflow) = n.multipliedReportingOverflow(by: length)
            guard !overflow else { throw .invalidShape("shape \(shape) has more elements than fit in memory") }
            n = product
        }
        return n
    }

    static func strides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for k in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[k] = s
            s *= shape[k]
        }
        return strides
    }

    /// Advances a multi-index in row-major order (last axis fastest).
    package static func increment(_ index: inout [Int], shape: [Int]) {
        var k = shape.count - 1
        while k >= 0 {
            index[k] += 1
            if index[k] < shape[k] { return }
            index[k] = 0
            k -= 1
        }
    }
}

extension NDArray: Equatable where Element: Equatable {}
extension NDArray: Hashable where Element: Hashable {}

extension NDArray: CustomStringConvertible {
    /// A short description: shape and, for small arrays, the elements.
    public var description: String {
        if count <= 32 {
            return "NDArray(shape: \(shape), \(scalars))"
        }
        return "NDArray(shape: \(shape), [\(scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")), …])"
    }
}

// MARK: Nested Swift arrays

extension NDArray {
    /// Creates a 2-D array from rows of equal length.
    ///
    /// - Throws: ``NablaError/shapeMismatch(expected:actual:)`` for ragged rows.
    public init(_ rows: [[Element]]) throws(NablaError) {
        let columns = rows.first?.count ?? 0
        for (r, row) in rows.enumerated() where row.count != columns {
            throw .shapeMismatch(expected: [rows.count, columns], actual: "row \(r) has \(row.count) elements")
        }
        self.init(uncheckedShape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    /// Creates a 3-D array from planes of rows of equal lengths.
    public init(_ planes: [[[Element]]]) throws(NablaError) {
        let rows = planes.first?.count ?? 0
        let columns = planes.first?.first?.count ?? 0
        var scalars: [Element] = []
        for (p, plane) in planes.enumerated() {
            guard plane.count == rows else {
                throw .shapeMismatch(expected: [planes.count, rows, columns], actual: "plane \(p) has \(plane.count) rows")
            }
            for (r, row) in plane.enumerated() {
                guard row.count == columns else {
                    throw .shapeMismatch(expected: [planes.count, rows, columns], actual: "row \(r) of plane \(p) has \(row.count) elements")
                }
                scalars += row
            }
        }
        self.init(uncheckedShape: [planes.count, rows, columns], scalars: scalars)
    }
}

extension NDArray where Element: BinaryInteger {
    /// The array converted to `Double`, as numpy does before differencing integers (no wrap-around).
    public func converted() -> NDArray<Double> { map { Double($0) } }
}

extension NDArray where Element: BinaryFloatingPoint {
    /// The array converted to another floating-point type (rounding to nearest).
    public func converted<T: BinaryFloatingPoint & Sendable>(to type: T.Type = T.self) -> NDArray<T> {
        map { T($0) }
    }
}

extension NDArray where Element: BinaryFloatingPoint {
    /// An array whose contents are unspecified until written: the caller overwrites every element.
    ///
    /// Allocating without initialising saves a full pass over memory, and lets the worker threads that
    /// write the result touch its pages first (large arrays are advised to use huge pages).
    static func uninitialized(shape: [Int]) -> NDArray {
        NDArray(uncheckedShape: shape, scalars: [Element].uninitialized(count: shape.reduce(1, *)) { _ in })
    }

    /// Gives the array `newShape`, its contents unspecified until written, keeping its storage when that
    /// can hold `newShape`'s elements; otherwise new storage with room for at least `capacity` elements.
    ///
    /// For buffers reused with shapes that differ by a plane or two (the slab engine's slabs with and
    /// without halos): fresh storage would cost its page faults again each time the shape changes.
    /// - Complexity: O(1) when the storage is kept and shrinks; O(growth) when it grows within its capacity.
    mutating func reshapeUninitialized(_ newShape: [Int], capacity: Int) {
        let count = newShape.reduce(1, *)
        var storage = scalars
        self = NDArray(uncheckedShape: [0], scalars: [])  // `storage` is now the only reference
        if storage.capacity >= count {
            if storage.count > count {
                storage.removeLast(storage.count - count)
            } else if storage.count < count {
                // Unspecified elements, appended with one copy (element by element would be slow in the
                // generic code that calls this).
                let growth = count - storage.count
                storage.append(contentsOf: [Element](unsafeUninitializedCapacity: growth) { _, initialized in initialized = growth })
            }
        } else {
            storage = [Element](unsafeUninitializedCapacity: max(count, capacity)) { buffer, initialized in
                Memory.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            }
        }
        self = NDArray(uncheckedShape: newShape, scalars: storage)
    }
}

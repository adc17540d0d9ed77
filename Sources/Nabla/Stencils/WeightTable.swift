/// Per-row stencil weights of a non-uniform axis: `weights[k * length + i]` is term `k`'s weight on row
/// `i`. Immutable once filled, shared by reference (a stencil and its compiled form use the same memory),
/// and filled on all cores, since a 1-D axis of 2^24 samples needs 3 × 2^24 weights.
///
/// `@unchecked Sendable`: the storage is written only inside the initialisers, before the table is
/// shared, and only read afterwards.
public final class WeightTable<W: BinaryFloatingPoint & Sendable>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<W>
    /// The number of weights.
    public let count: Int

    /// A table for `terms` terms on `rows` rows (`weights[k * rows + i]`). `fill(range, pointer)` must set
    /// `pointer[k * rows + i]` for every term `k` and every row `i` in `range`; it is called on disjoint row
    /// ranges covering `0..<rows`, possibly concurrently. `costPerRow` sizes the chunks.
    init(rows: Int, terms: Int, costPerRow: Int = 32, fill: @Sendable (Range<Int>, UnsafeMutablePointer<W>) -> Void) {
        count = rows * terms
        pointer = .allocate(capacity: max(1, count))
        // Large tables: huge pages, and the workers that fill the rows touch them first.
        Memory.adviseHugePages(UnsafeMutableRawBufferPointer(start: pointer, count: count * MemoryLayout<W>.stride))
        let target = SendablePointer(base: pointer)
        Parallel.forEachChunk(count: rows, costPerItem: costPerRow) { range in fill(range, target.base) }
    }

    private init(count: Int, copying source: UnsafePointer<W>, negate: Bool) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        for j in 0..<count { pointer[j] = negate ? -source[j] : source[j] }
    }

    deinit { pointer.deallocate() }

    /// Weight `j`.
    public subscript(j: Int) -> W {
        precondition(j >= 0 && j < count, "weight \(j) outside 0..<\(count)")
        return pointer[j]
    }

    /// A new table with every weight negated.
    var negated: WeightTable { WeightTable(count: count, copying: pointer, negate: true) }
}

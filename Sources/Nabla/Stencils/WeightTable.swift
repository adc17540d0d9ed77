/// Per-row stencil weights of a non-uniform axis: `weights[k * rows + i]` is term `k`'s weight on row
/// `i`. Immutable once filled, shared without copying (a stencil and its negation share nothing, a
/// stencil and its copies share the storage), and filled on all cores, since a 1-D axis of 2^24 samples
/// needs 3 × 2^24 weights.
package struct WeightTable<W: BinaryFloatingPoint & Sendable>: Sendable {
    /// The weights, `weights[k * rows + i]`.
    package let weights: [W]

    /// The number of weights.
    package var count: Int { weights.count }

    /// A table for `terms` terms on `rows` rows (`weights[k * rows + i]`). `fill(range, table)` must set
    /// `table[k * rows + i]` for every term `k` and every row `i` in `range`; it is called on disjoint row
    /// ranges covering `0..<rows`, possibly concurrently. `costPerRow` sizes the chunks.
    init(rows: Int, terms: Int, costPerRow: Int = 32, fill: @Sendable (Range<Int>, SharedBuffer<W>) -> Void) {
        // Large tables: huge pages, and the workers that fill the rows touch them first.
        weights = [W].uninitialized(count: rows * terms) { table in
            Parallel.forEachChunk(count: rows, costPerItem: costPerRow) { range in fill(range, table) }
        }
    }

    fileprivate init(weights: [W]) { self.weights = weights }

    /// Weight `j`.
    package subscript(j: Int) -> W { weights[j] }

    /// A new table with every weight converted to `V`.
    func converted<V: BinaryFloatingPoint & Sendable>(to _: V.Type) -> WeightTable<V> {
        WeightTable<V>(weights: weights.map { V($0) })
    }

    /// A new table with every weight negated.
    var negated: WeightTable { WeightTable(weights: weights.map { -$0 }) }
}

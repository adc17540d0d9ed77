import Foundation
import Nabla
import NablaFormats
import NablaVerification

/// `nabla score`: scores a computed array file against a reference file (NablaVerification's `score(_:against:options:grid:)`
/// on every pair of arrays, in `Double`).
///
/// Pairing (files are read by ``FieldFiles``, so `.csv`/`.tsv` count as one array and `.h5` as an archive):
/// ```
/// A.npy  vs B.npy    the two arrays
/// A.npz  vs B.npz    arrays paired by name; the two archives must hold the same names
/// A.npy  vs B.npz    (or the other way) the archive's only array, or its array named after the .npy's stem
/// ```
/// Every dtype is converted to float64 first (numpy's `astype(np.float64)`; booleans are 0 and 1).
package struct ScoreJob: Sendable {
    /// The computed array file (`a`).
    package var computed: URL
    /// The reference array file (`b`; the band is `atol + rtol·|b|`).
    package var reference: URL
    /// The scoring options: tolerances, relative-error floor, edge width.
    package var options: ScoreOptions
    /// Read HDF5 data stored outside the files (`--allow-external`).
    package var allowExternal = false
    /// The most bytes the two files' arrays may hold (`--memory`); nil: ``ByteSize/defaultBudget``. Both files
    /// are read whole: a pair that needs more is refused before anything is read (``checkMemory(budget:)``).
    package var memory: Int?

    /// A job with numpy.allclose's tolerances by default.
    package init(computed: URL, reference: URL, absoluteTolerance: Double = 1e-8, relativeTolerance: Double = 1e-5,
                edgeWidth: Int = 1) {
        self.computed = computed
        self.reference = reference
        self.options = ScoreOptions(absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
                                    edgeWidth: edgeWidth)
    }

    /// A job with explicit options.
    package init(computed: URL, reference: URL, options: ScoreOptions) {
        self.computed = computed
        self.reference = reference
        self.options = options
    }

    /// Reads both files and scores them.
    ///
    /// - Throws: ``PipelineError`` for invalid options, unreadable files, archives whose names differ (naming
    ///   the arrays missing on each side) and shapes that differ (naming the array and both shapes).
    package func run() throws(PipelineError) -> ScoreResult {
        do { try options.validate() } catch { throw PipelineError("\(error)") }
        try checkMemory(budget: memory ?? ByteSize.defaultBudget.bytes)
        let a = try FieldFiles.readAll(computed, allowExternal: allowExternal)
        let b = try FieldFiles.readAll(reference, allowExternal: allowExternal)
        let aSeveral = try FieldFiles.Format(of: computed).holdsSeveralArrays
        let bSeveral = try FieldFiles.Format(of: reference).holdsSeveralArrays
        switch (aSeveral, bSeveral) {
        case (false, false):
            return .single(try pair(a[0].array, b[0].array, name: nil))
        case (true, true):
            let aNames = a.map(\.name), bNames = Set(b.map(\.name))
            let missingInReference = aNames.filter { !bNames.contains($0) }
            let missingInComputed = b.map(\.name).filter { !Set(aNames).contains($0) }
            if !missingInReference.isEmpty || !missingInComputed.isEmpty {
                var parts: [String] = []
                if !missingInReference.isEmpty { parts.append("\(reference.path) lacks \(quoted(missingInReference))") }
                if !missingInComputed.isEmpty { parts.append("\(computed.path) lacks \(quoted(missingInComputed))") }
                throw PipelineError("the archives hold different arrays: " + parts.joined(separator: "; ") + "; arrays are paired by name")
            }
            if a.isEmpty { throw PipelineError("\(computed.path): the archive holds no arrays; nothing to score") }
            var named: [(name: String, score: FieldScore)] = []
            for member in a {
                let other = b.first { $0.name == member.name }!
                named.append((member.name, try pair(member.array, other.array, name: member.name)))
            }
            return .archive(NamedFieldScores(named))
        case (false, true):
            return .single(try pair(a[0].array, try single(from: b, url: reference, stem: a[0].name), name: nil))
        case (true, false):
            return .single(try pair(try single(from: a, url: computed, stem: b[0].name), b[0].array, name: nil))
        }
    }

    /// Refuses, before any value is read, files whose arrays need more than `budget` bytes (see
    /// ``InMemoryNeed``): both files' arrays are held at once, with each file's reading transient and the
    /// float64 (complex128) copies of the largest pair when it is not stored so:
    /// `Σ a + Σ b + max(transient a, transient b, copies)`. Files whose metadata cannot be read are left to
    /// the reader to report.
    private func checkMemory(budget: Int) throws(PipelineError) {
        guard var need = memoryNeed(countingTables: false) else { return }
        // A table's numbers bounded by its size overestimate them: count them before refusing.
        if need > budget, [computed, reference].contains(where: { (try? FieldFiles.Format(of: $0))?.isTable == true }) {
            need = memoryNeed(countingTables: true) ?? need
        }
        try InMemoryNeed.check(need, budget: budget, file: "\(FieldFiles.location(of: computed).file.path) and \(FieldFiles.location(of: reference).file.path)",
                               what: "the score", reason: "nabla score reads both files whole: score smaller pieces of them")
    }

    /// The bytes ``checkMemory(budget:)`` counts, or nil when a file's metadata cannot be read.
    private func memoryNeed(countingTables: Bool) -> Int? {
        guard let a = InMemoryNeed.contents(of: computed, .all, allowExternal: allowExternal, countingTables: countingTables),
              let b = InMemoryNeed.contents(of: reference, .all, allowExternal: allowExternal, countingTables: countingTables) else { return nil }
        let complex = (a.arrays + b.arrays).contains(where: \.dtype.isComplex)
        func copy(_ arrays: [InMemoryNeed.StoredArray]) -> Int {
            arrays.map { array in
                array.dtype == (complex ? .complex128 : .float64) ? 0 : Saturating.product(array.count, complex ? 16 : 8)
            }.max() ?? 0
        }
        let held = Saturating.sum(a.arrayBytes, b.arrayBytes)
        return Saturating.sum(held, max(a.transient, b.transient, Saturating.sum(copy(a.arrays), copy(b.arrays))))
    }

    /// The array of an archive paired with a `.npy`: its only array, or the one named `stem`.
    private func single(from members: [(name: String, array: AnyNDArray)], url: URL, stem: String) throws(PipelineError) -> AnyNDArray {
        if members.count == 1 { return members[0].array }
        if let match = members.first(where: { $0.name == stem }) { return match.array }
        throw PipelineError("\(url.path): the archive holds \(members.count) arrays (\(quoted(members.map(\.name)))) and none is named '\(stem)'; compare two .npz archives, or a .npy with an archive of one array")
    }

    private func pair(_ a: AnyNDArray, _ b: AnyNDArray, name: String?) throws(PipelineError) -> FieldScore {
        guard a.shape == b.shape else {
            let what = name.map { "array '\($0)': " } ?? ""
            throw PipelineError("\(what)shape mismatch: \(computed.path) has shape \(a.shape) but \(reference.path) has shape \(b.shape); the arrays must have the same shape")
        }
        do {
            // Complex arrays (either side) are scored by |a − b|, the modulus of the difference.
            if a.dtype.isComplex || b.dtype.isComplex {
                return try score(a.asComplexDouble(), against: b.asComplexDouble(), options: options)
            }
            return try score(a.asDouble(), against: b.asDouble(), options: options)
        } catch {
            throw PipelineError("\(error)")
        }
    }

    private func quoted(_ names: [String]) -> String { names.map { "'\($0)'" }.joined(separator: ", ") }
}

/// The outcome of a ``ScoreJob``: one score, or one per named array.
package enum ScoreResult: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Two single arrays.
    case single(FieldScore)
    /// Two archives, paired by name.
    case archive(NamedFieldScores)

    /// Whether every point of every array is within the band, with no NaN/Inf mismatch.
    package var passed: Bool {
        switch self {
        case let .single(s): s.passed
        case let .archive(s): s.passed
        }
    }

    /// The aligned, human-readable report.
    package var description: String {
        switch self {
        case let .single(s): s.description
        case let .archive(s): s.description
        }
    }

    /// One JSON object (NablaVerification's `VerificationJSON`): `max_abs_error`, `max_rel_error`,
    /// `rel_l2_error`, `rms_error`, `argmax`, `mismatched`, `nan_mismatches`, `passed` and more at the top
    /// level, `interior` and `edge` objects, and for archives an `arrays` object with one such object per
    /// name. Non-finite numbers are the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
    package func json() throws -> String {
        try VerificationJSON.string(self)
    }

    /// Encodes the score (see ``json()``).
    package func encode(to encoder: any Encoder) throws {
        switch self {
        case let .single(s): try s.encode(to: encoder)
        case let .archive(s): try s.encode(to: encoder)
        }
    }
}

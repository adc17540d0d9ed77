// Why this file uses raw pointers: worker threads of `Parallel.forEachChunk` must write disjoint parts of
// one buffer, and Swift's arrays cannot be shared for writing across threads. `SharedBuffer` is the one
// handle the package hands them (bounds asserted on every access in debug builds); this file also
// allocates large uninitialised storage and advises huge pages for it. Pointers taken here never
// outlive the closure that received them.
#if canImport(Glibc)
import Glibc
#endif

/// A bounded view of `count` elements of raw storage, handed to the workers of
/// ``Parallel/forEachChunk(count:costPerItem:_:)``.
///
/// `@unchecked Sendable`: the compiler cannot see that workers write disjoint ranges; every user writes
/// only the range its worker was given, and the view never outlives the `with…` closure (or allocation)
/// it came from. Every offset is checked by an `assert` (debug builds).
package struct SharedBuffer<Element>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Element>
    /// The number of elements in view.
    package let count: Int

    @usableFromInline
    init(_ base: UnsafeMutablePointer<Element>, count: Int) {
        self.base = base
        self.count = count
    }

    /// A view of `buffer` (empty buffers give a view of 0 elements at a dangling but unused address).
    package init(_ buffer: UnsafeMutableBufferPointer<Element>) {
        self.init(buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Element>.alignment)!,
                  count: buffer.count)
    }

    /// A view of storage the caller guarantees to be valid for `count` elements while the view is used
    /// (e.g. an `fftw_malloc`ed scratch buffer).
    package init(start: UnsafeMutableRawPointer, count: Int) {
        self.init(start.assumingMemoryBound(to: Element.self), count: count)
    }

    /// Element `i`.
    @inlinable
    package subscript(i: Int) -> Element {
        get { assert(i >= 0 && i < count, "index \(i) outside 0..<\(count)"); return base[i] }
        nonmutating set { assert(i >= 0 && i < count, "index \(i) outside 0..<\(count)"); base[i] = newValue }
    }

    /// The view of elements `offset..<offset + length`.
    @inlinable
    package func slice(from offset: Int, count length: Int) -> SharedBuffer {
        assert(offset >= 0 && length >= 0 && offset + length <= count, "slice \(offset)..<\(offset + length) outside 0..<\(count)")
        return SharedBuffer(base + offset, count: length)
    }

    /// The storage as a raw pointer, for a C library (FFTW) called while the view is valid.
    package var rawPointer: UnsafeMutableRawPointer { UnsafeMutableRawPointer(base) }

    /// The storage as a typed pointer, for the kernels in `AxisKernel.swift`.
    var pointer: UnsafeMutablePointer<Element> { base }
}

extension Array {
    /// Calls `body` with a ``SharedBuffer`` over the array's storage (made unique first). The view is
    /// valid only inside `body`.
    package mutating func withSharedBuffer<R, E: Error>(_ body: (SharedBuffer<Element>) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = withUnsafeMutableBufferPointer { buffer in
            do throws(E) { return .success(try body(SharedBuffer(buffer))) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// A read-only ``SharedBuffer`` over the array's storage for `body`, which must not write through it.
    package func withSharedReadBuffer<R, E: Error>(_ body: (SharedBuffer<Element>) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = withUnsafeBufferPointer { buffer in
            do throws(E) { return .success(try body(SharedBuffer(UnsafeMutableBufferPointer(mutating: buffer)))) }
            catch { return .failure(error) }
        }
        return try result.get()
    }
}

extension Array {
    /// Whether both arrays view the same storage (same first element, same count): then their contents
    /// are equal. Used by `CoordinateCache`, which keeps the arrays it compares with alive.
    func sharesStorage(with other: [Element]) -> Bool {
        count == other.count && withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress }
        }
    }
}

extension Array where Element: BinaryFloatingPoint {
    /// A new array of `count` elements whose storage `initialize` must write completely (floating-point
    /// types are trivial: any bit pattern is a value, so an unwritten element is garbage, not undefined
    /// behaviour). Large storage is advised to use huge pages before it is touched, so that the workers
    /// `initialize` starts touch their part first.
    ///
    /// Allocating without initialising saves a full pass over memory.
    package static func uninitialized<E: Error>(
        count: Int, _ initialize: (SharedBuffer<Element>) throws(E) -> Void
    ) throws(E) -> [Element] {
        guard count > 0 else {
            // An empty array's storage is the runtime's shared global; `unsafeUninitializedCapacity: 0`
            // would write its count (0) there, a race ThreadSanitizer reports against every thread reading
            // any empty array. Nothing to allocate: hand `initialize` an empty buffer.
            try initialize(SharedBuffer(UnsafeMutableBufferPointer<Element>(start: nil, count: 0)))
            return []
        }
        var failure: E? = nil
        let array = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            Memory.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
            do throws(E) { try initialize(SharedBuffer(buffer)) } catch { failure = error }
        }
        if let failure { throw failure }
        return array
    }
}

extension Array {
    /// A new array of `count` elements of a trivial type (floating-point numbers or pairs of them, such as
    /// complex numbers) whose contents are unspecified until the caller writes every element. Large
    /// storage is advised to use huge pages before it is touched.
    package static func uninitializedTrivial(count: Int) -> [Element] {
        precondition(_isPOD(Element.self), "\(Element.self) is not a trivial type")
        return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            Memory.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}

/// Memory advice for large buffers.
package enum Memory {
    /// Buffers at least this large (4 MiB, numpy's threshold) are advised to use huge pages.
    package static let hugePageThreshold = 4 << 20

    /// Asks the kernel to back the 2 MiB-aligned part of a large, not yet touched buffer with transparent
    /// huge pages (`madvise(MADV_HUGEPAGE)`), as numpy does for its arrays.
    ///
    /// On machines whose transparent huge pages are in `madvise` mode this cuts the page-fault cost of a
    /// fresh 128 MiB array about five-fold. It is advice: failures are ignored, contents are unchanged.
    /// Call it before the buffer's pages are first written.
    package static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        guard buffer.count >= hugePageThreshold, let base = buffer.baseAddress else { return }
        let huge = 2 << 20
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
        guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(aligned, end - start, MADV_HUGEPAGE)
        #endif
    }

    /// ``adviseHugePages(_:)`` for `count` elements of a ``SharedBuffer``.
    package static func adviseHugePages<T>(_ buffer: SharedBuffer<T>) {
        adviseHugePages(UnsafeMutableRawBufferPointer(start: buffer.rawPointer, count: buffer.count * MemoryLayout<T>.stride))
    }
}

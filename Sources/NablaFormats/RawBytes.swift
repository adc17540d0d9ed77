// Why this file uses raw pointers: it is where array storage meets bytes and files: `pread(2)` into,
// and `writev(2)` from, an array's storage without copies. Reading a `.npy`/`.npz` member
// fills an array's uninitialised storage straight from the file or the inflater (no intermediate copy, no
// zero fill) and converts byte order in place; writing, CRC-32 and deflate read an array's storage without
// copying it; the CSV parser scans a file's bytes in place.
//
// The rest of the module sees only the two handles below. A handle wraps a pointer that is valid only
// inside the closure that produced it: handles are passed down into calls, never stored or returned.
// Every offset is checked with a `precondition`, so a wrong offset traps instead of reading stray memory.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Nabla

/// `pread(2)`, named so it cannot be confused with `MutableBytes.pread`.
private func systemPread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: off_t) -> Int {
    pread(fd, buffer, count, offset)
}

/// Read-only bytes valid only inside the closure that produced them (the storage of an array, a `Data`
/// or a `[UInt8]`), with checked offsets.
struct ByteView {
    /// The bytes. Only this file, `Compression.swift` and `ByteSource.swift` touch it.
    let raw: UnsafeRawBufferPointer

    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    var count: Int { raw.count }

    /// The byte at offset `i`, which must lie in `0..<count`.
    @inline(__always) subscript(i: Int) -> UInt8 {
        precondition(UInt(bitPattern: i) < UInt(bitPattern: raw.count), "byte offset out of range")
        return raw.load(fromByteOffset: i, as: UInt8.self)
    }

    /// The bytes at `range` (inside `0..<count`) decoded as UTF-8, invalid sequences replaced.
    func string(_ range: Range<Int>) -> String {
        precondition(range.lowerBound >= 0 && range.upperBound <= raw.count, "byte range out of range")
        return String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self)
    }

    /// A copy of the bytes at `range` (inside `0..<count`).
    func bytes(_ range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= raw.count, "byte range out of range")
        return [UInt8](UnsafeRawBufferPointer(rebasing: raw[range]))
    }

    /// Calls `body` with a view of `data`.
    static func with<R, E: Error>(_ data: Data, _ body: (ByteView) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = data.withUnsafeBytes { raw in
            do throws(E) { return .success(try body(ByteView(raw))) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Calls `body` with a view of `bytes`.
    static func with<R, E: Error>(_ bytes: [UInt8], _ body: (ByteView) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = bytes.withUnsafeBytes { raw in
            do throws(E) { return .success(try body(ByteView(raw))) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// Writable bytes valid only inside the closure that produced them (the uninitialised storage of an array
/// being read), with checked offsets.
struct MutableBytes {
    /// The bytes. Only this file, `Compression.swift` and `ByteSource.swift` touch it.
    let raw: UnsafeMutableRawBufferPointer

    init(_ raw: UnsafeMutableRawBufferPointer) { self.raw = raw }

    var count: Int { raw.count }

    /// The same bytes, read-only.
    var view: ByteView { ByteView(UnsafeRawBufferPointer(raw)) }

    /// The bytes at `range`, which must lie inside `0..<count`.
    func slice(_ range: Range<Int>) -> MutableBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= raw.count, "byte range out of range")
        return MutableBytes(UnsafeMutableRawBufferPointer(rebasing: raw[range]))
    }

    /// Copies `source` to offset `offset` (the whole of it must fit).
    func copy(_ source: ByteView, to offset: Int) {
        precondition(offset >= 0 && source.count <= raw.count - offset, "byte range out of range")
        guard source.count > 0 else { return }
        UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + source.count)]).copyMemory(from: source.raw)
    }
}

// MARK: - Arrays as bytes

extension AnyNDArray {
    /// The number of bytes of the elements.
    var byteCount: Int { count * dtype.itemSize }

    /// Calls `body` with the raw bytes of the elements (native byte order, C order). For sibling modules
    /// of the package that hand array storage to C libraries (NablaHDF5); the pointer must not escape `body`.
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .float16(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .float32(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .float64(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .complex64(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .complex128(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .int8(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .int16(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .int32(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .int64(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .uint8(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .uint16(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .uint32(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .uint64(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case .bool(let a): try a.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Calls `body` with a view of the elements' bytes (native byte order, C order).
    func withBytes<R, E: Error>(_ body: (ByteView) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = withUnsafeBytes { raw in
            do throws(E) { return .success(try body(ByteView(raw))) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Appends the elements' bytes to `data`.
    func appendBytes(to data: inout Data) {
        withUnsafeBytes { data.append(contentsOf: $0) }
    }
}

extension [UInt8] {
    /// `header` followed by the bytes of `array`, in one new array (for whole-buffer deflate).
    init(_ header: [UInt8], followedBy array: AnyNDArray) {
        let total = header.count + array.byteCount
        self.init(unsafeUninitializedCapacity: Swift.max(total, 1)) { buffer, initialized in
            let out = MutableBytes(UnsafeMutableRawBufferPointer(buffer))
            ByteView.with(header) { out.copy($0, to: 0) }
            array.withBytes { out.copy($0, to: header.count) }
            initialized = total
        }
    }
}

// MARK: - Filling arrays

extension NPY {
    /// Allocates the array a validated header describes and lets `fill` write `leading + header.byteCount`
    /// bytes into it: `leading` bytes that are then dropped (the `.npy` header, when an inflater produces
    /// header and data as one piece), followed by the array's raw bytes. Then converts them to native byte
    /// order and C order.
    ///
    /// The storage is not zero-filled: pages are touched first by `fill`, and huge pages are advised.
    static func materialize(_ header: NPYHeader, context: ErrorContext, leading: Int = 0,
                            fill: (MutableBytes) throws(FormatError) -> Void) throws(FormatError) -> AnyNDArray {
        switch header.dtype {
        case .float16: .float16(try makeArray(header, context, leading, fill))
        case .float32: .float32(try makeArray(header, context, leading, fill))
        case .float64: .float64(try makeArray(header, context, leading, fill))
        case .complex64: .complex64(try makeArray(header, context, leading, fill))
        case .complex128: .complex128(try makeArray(header, context, leading, fill))
        case .int8: .int8(try makeArray(header, context, leading, fill))
        case .int16: .int16(try makeArray(header, context, leading, fill))
        case .int32: .int32(try makeArray(header, context, leading, fill))
        case .int64: .int64(try makeArray(header, context, leading, fill))
        case .uint8: .uint8(try makeArray(header, context, leading, fill))
        case .uint16: .uint16(try makeArray(header, context, leading, fill))
        case .uint32: .uint32(try makeArray(header, context, leading, fill))
        case .uint64: .uint64(try makeArray(header, context, leading, fill))
        case .bool: .bool(try makeArray(header, context, leading, fill))
        }
    }

    private static func makeArray<T: NPYScalar>(_ header: NPYHeader, _ context: ErrorContext, _ leading: Int,
                                                _ fill: (MutableBytes) throws(FormatError) -> Void) throws(FormatError) -> NDArray<T> {
        assert(MemoryLayout<T>.stride == header.dtype.itemSize && T.dtype == header.dtype && leading >= 0)
        let stride = MemoryLayout<T>.stride
        // Room for the dropped leading bytes too; the data is moved down over them afterwards.
        let capacity = header.count + (leading + stride - 1) / stride
        var failure: FormatError?
        let scalars = [T](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            let all = UnsafeMutableRawBufferPointer(buffer)
            let raw = UnsafeMutableRawBufferPointer(rebasing: all[0..<(leading + header.byteCount)])
            // Fresh, untouched memory: huge pages cut the page faults of the read that follows ~5×.
            Memory.adviseHugePages(raw)
            do throws(FormatError) {
                try fill(MutableBytes(raw))
            } catch {
                failure = error
                initialized = 0
                return
            }
            if leading > 0, header.byteCount > 0, let base = raw.baseAddress {
                base.copyMemory(from: base + leading, byteCount: header.byteCount)  // memmove: the regions overlap
            }
            let data = UnsafeMutableRawBufferPointer(rebasing: all[0..<header.byteCount])
            // Complex elements are swapped part by part (each part is one float in the file's byte order).
            if header.byteOrder != .native { swapBytes(data, itemSize: header.dtype.scalarSize) }
            if T.self == Bool.self {
                // numpy treats any nonzero byte as True; a Swift Bool must be exactly 0 or 1.
                for k in 0..<data.count where data[k] > 1 { data[k] = 1 }
            }
            initialized = header.count
        }
        if let failure { throw failure }
        do {
            if header.fortranOrder && header.shape.count > 1 {
                // Fortran order is C order of the reversed shape; reversing the axes again gives C order.
                return try NDArray(shape: header.shape.reversed(), scalars: scalars).transposed()
            }
            return try NDArray(shape: header.shape, scalars: scalars)
        } catch {
            throw context.error(.invalidShape, error.description)
        }
    }

    /// Reverses the bytes of each `itemSize`-byte element in place.
    static func swapBytes(_ raw: UnsafeMutableRawBufferPointer, itemSize: Int) {
        guard let base = raw.baseAddress else { return }
        let n = raw.count / itemSize
        switch itemSize {
        case 2:
            for i in 0..<n {
                let v = base.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)
                base.storeBytes(of: v.byteSwapped, toByteOffset: 2 &* i, as: UInt16.self)
            }
        case 4:
            for i in 0..<n {
                let v = base.loadUnaligned(fromByteOffset: 4 &* i, as: UInt32.self)
                base.storeBytes(of: v.byteSwapped, toByteOffset: 4 &* i, as: UInt32.self)
            }
        case 8:
            for i in 0..<n {
                let v = base.loadUnaligned(fromByteOffset: 8 &* i, as: UInt64.self)
                base.storeBytes(of: v.byteSwapped, toByteOffset: 8 &* i, as: UInt64.self)
            }
        default:
            break
        }
    }
}

extension NDArray where Element: NPYScalar {
    /// Calls `body` with the bytes of the elements at flat offsets `range` (C order, native byte order);
    /// the view must not escape `body`.
    func withElementBytes<R, E: Error>(_ range: Range<Int>, _ body: (ByteView) throws(E) -> R) throws(E) -> R {
        let bytes = byteRange(of: range)
        return try withUnsafeBufferPointer { buffer in
            Result { () throws(E) in try body(ByteView(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[bytes]))) }
        }.get()
    }

    /// Calls `body` with the writable bytes of the elements at flat offsets `range`, to be filled with
    /// elements in native byte order; the handle must not escape `body`.
    mutating func withMutableElementBytes<R, E: Error>(_ range: Range<Int>, _ body: (MutableBytes) throws(E) -> R) throws(E) -> R {
        let bytes = byteRange(of: range)
        return try withUnsafeMutableBufferPointer { buffer in
            Result { () throws(E) in
                try body(MutableBytes(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[bytes])))
            }
        }.get()
    }

    /// The byte offsets of the elements at flat offsets `range`, which must lie inside the array. (Typed
    /// errors pass the untyped `withUnsafe…` closures as a `Result`.)
    private func byteRange(of range: Range<Int>) -> Range<Int> {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "element range out of range")
        return (range.lowerBound * MemoryLayout<Element>.stride)..<(range.upperBound * MemoryLayout<Element>.stride)
    }
}

extension MutableBytes {
    /// Fills these bytes from the file `fd` at `offset` with `pread(2)` (at most 1 GiB per call: Linux
    /// transfers at most 0x7ffff000 bytes at once); a file shorter than `offset + count` is an error.
    func pread(_ fd: Int32, at offset: Int, fileSize: Int, context: ErrorContext) throws(FormatError) {
        guard let base = raw.baseAddress else { return }
        var done = 0
        while done < raw.count {
            let chunk = Swift.min(raw.count - done, 1 << 30)
            let n = systemPread(fd, base + done, chunk, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw context.error(.io, "read failed at byte \(offset + done): \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                throw context.error(.sizeMismatch,
                    "the file ended at byte \(offset + done) while reading; it was \(fileSize) bytes when opened (changed while reading?)")
            }
            done += n
        }
    }

    /// A new `[UInt8]` of `count` bytes filled by `fill`.
    static func newArray(count: Int, _ fill: (MutableBytes) throws(FormatError) -> Void) throws(FormatError) -> [UInt8] {
        var failure: FormatError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(FormatError) {
                try fill(MutableBytes(UnsafeMutableRawBufferPointer(buffer)))
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// A new `Data` of `count` bytes filled by `fill`.
    static func newData(count: Int, _ fill: (MutableBytes) throws(FormatError) -> Void) throws(FormatError) -> Data {
        var data = Data(count: count)
        var failure: FormatError?
        data.withUnsafeMutableBytes { raw in
            do throws(FormatError) { try fill(MutableBytes(raw)) } catch { failure = error }
        }
        if let failure { throw failure }
        return data
    }
}

extension AtomicFile.Writer {
    /// Writes `prefix` followed by the bytes of `array` with one `writev(2)`, straight from the array's
    /// storage (no copy).
    func write(_ prefix: [UInt8], followedBy array: AnyNDArray) throws(FormatError) {
        let failure: FormatError? = array.withUnsafeBytes { data in
            prefix.withUnsafeBytes { head in
                do throws(FormatError) { try write([head, data]) } catch { return error }
                return nil
            }
        }
        if let failure { throw failure }
    }
}

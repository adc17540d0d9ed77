import Foundation
import Nabla
import NablaFormats
import NablaHDF5
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Hostile HDF5 inputs: data outside the file, FIFOs, overflowing dimensions; and adding datasets to an
/// existing file without losing anything.
@Suite("HDF5 safety")
struct HDF5SafetyTests {
    // MARK: Data outside the file

    @Test("external storage (a dataset stored in /etc/passwd) is refused unless allowed")
    func externalStorage() throws {
        let url = try fixture("external_storage.h5")
        let e = formatError { _ = try HDF5.read(from: url, dataset: "/d") }
        #expect(e?.description == "\(url.path): dataset '/d' stores its data outside the file (external storage in '/etc/passwd'); refusing to read it without --allow-external")
        #expect(formatError { _ = try HDF5.readAll(from: url) }?.description.contains("external storage") == true)
        // Allowed: the bytes are the start of /etc/passwd.
        let array = try HDF5.read(from: url, dataset: "/d", allowingExternalData: true)
        let passwd = try Data(contentsOf: URL(fileURLWithPath: "/etc/passwd")).prefix(64)
        #expect(array.array(of: UInt8.self)?.scalars == Array(passwd))
    }

    @Test("external links are never followed unless allowed, directly or through a soft link")
    func externalLinks() throws {
        let url = try fixture("external.h5")
        #expect(try HDF5.read(from: url, dataset: "/safe").asDouble().scalars == [1, 4, 9, 16])
        let direct = formatError { _ = try HDF5.read(from: url, dataset: "/link") }
        #expect(direct?.description.contains("'/link' is an external link to 'other.h5:/data'; refusing to follow it without --allow-external") == true)
        let group = formatError { _ = try HDF5.read(from: url, dataset: "/linked_group/data") }
        #expect(group?.description.contains("'/linked_group' is an external link") == true)
        let soft = formatError { _ = try HDF5.read(from: url, dataset: "/soft") }
        #expect(soft?.description.contains("external link") == true, "\(String(describing: soft))")
        #expect(formatError { _ = try HDF5.readAll(from: url, group: "/linked_group") }?.description.contains("external link") == true)
        // The whole-file listing takes hard links only.
        #expect(try HDF5.readAll(from: url).map(\.name) == ["safe"])
    }

    @Test("a virtual dataset with sources in other files is refused; one mapping its own file is read")
    func virtualDatasets() throws {
        let url = try fixture("virtual.h5")
        let e = formatError { _ = try HDF5.read(from: url, dataset: "/outside") }
        #expect(e?.description.contains("dataset '/outside' is a virtual dataset that maps data from outside the file (source 'other.h5'); refusing to read it without --allow-external") == true)
        #expect(try HDF5.read(from: url, dataset: "/inside").asDouble().scalars == [1, 4, 9, 16])
    }

    // MARK: Not regular files, overflow

    @Test("a FIFO is refused at once, never opened for a blocking read")
    func fifo() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.file("pipe.h5")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let start = Date()
        let e = formatError { _ = try HDF5.read(from: fifo) }
        #expect(e?.description.contains("is a FIFO (named pipe), not a regular file") == true)
        #expect(!HDF5.isHDF5(fifo))
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test("dimensions whose element count overflows are refused")
    func overflowingDimensions() throws {
        let e = formatError { _ = try HDF5.read(from: fixture("overflow.h5"), dataset: "/d") }
        #expect(e?.kind == .invalidShape)
        #expect(e?.description.contains("more elements than can be addressed") == true)
    }

    // MARK: Adding to an existing file

    @Test("adding keeps every other dataset and attribute; an existing dataset needs replacingExisting")
    func add() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("f.h5")
        try FileManager.default.copyItem(at: fixture("layouts.h5"), to: url)
        let before = try HDF5.readAll(from: url)
        let new = NDArray<Double>([1, 2, 3])
        try HDF5.add([(name: "grad", array: new)], to: url, group: "/results")
        let after = try HDF5.readAll(from: url)
        #expect(after.map(\.name) == before.map(\.name) + ["results/grad"] || Set(after.map(\.name)) == Set(before.map(\.name) + ["results/grad"]))
        for (name, array) in before {
            #expect(NPY.encode(try #require(after.first { $0.name == name }).array) == NPY.encode(array), "\(name)")
        }
        // Existing dataset: refused, the file byte-identical.
        let bytes = try Data(contentsOf: url)
        let e = formatError { try HDF5.add([(name: "grad", array: NDArray<Double>([9]))], to: url, group: "/results") }
        #expect(e?.description == "\(url.path): dataset '/results/grad' already exists; refusing to replace it without --overwrite")
        #expect(try Data(contentsOf: url) == bytes)
        // A group is never replaced; a dataset is not a group.
        #expect(formatError { try HDF5.add([(name: "results", array: new)], to: url) }?.description.contains("a group of that name exists") == true)
        #expect(formatError { try HDF5.add([(name: "gzip/x", array: new)], to: url) }?.description.contains("'/gzip' is a dataset") == true)
        #expect(try Data(contentsOf: url) == bytes)
        // Replaced on request.
        try HDF5.add([(name: "grad", array: NDArray<Double>([9]))], to: url, group: "/results", replacingExisting: true)
        #expect(try HDF5.read(from: url, dataset: "/results/grad").asDouble().scalars == [9])
        #expect(try HDF5.read(from: url, dataset: "/gzip").shape == [4, 5])
        #expect(try directory.contents() == ["f.h5"])
    }

    @Test("adding through a symbolic link works on a copy: the link's target is never changed in place")
    func addThroughSymlink() throws {
        let directory = try TemporaryDirectory()
        let target = directory.file("f.h5"), link = directory.file("link.h5")
        try FileManager.default.copyItem(at: fixture("one.h5"), to: target)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let bytes = try Data(contentsOf: target)
        try HDF5.add([(name: "x", array: NDArray<Double>([1, 2]))], to: link)
        #expect(try Data(contentsOf: target) == bytes)
        #expect(try HDF5.datasets(in: link) == ["/results/only", "/x"])
    }

    @Test("adding to a file that is not HDF5 fails and leaves it untouched")
    func addToNonHDF5() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("f.h5")
        try Data("not hdf5".utf8).write(to: url)
        let e = formatError { try HDF5.add([(name: "x", array: NDArray<Double>([1]))], to: url) }
        #expect(e?.kind == .badMagic)
        #expect(try Data(contentsOf: url) == Data("not hdf5".utf8))
        #expect(try directory.contents() == ["f.h5"])
    }

    #if canImport(Glibc)
    @Test("the temporary file being written holds no file lock that a process started meanwhile could inherit")
    func temporaryFilesUnlocked() throws {
        let directory = try TemporaryDirectory()
        // A new file, then a dataset added to it (a copy of it is written).
        for k in 0..<2 {
            var checked = 0
            try HDF5.add(datasets: ["x\(k)"], shape: [4, 3], of: Double.self, to: directory.file("f.h5")) { sink in
                // The temporary file, open for writing: another open description can take an exclusive lock.
                for name in try directory.contents() where name.hasPrefix(".f.h5.tmp-") {
                    let fd = open(directory.file(name).path, O_RDONLY | O_CLOEXEC)
                    #expect(fd >= 0)
                    #expect(flock(fd, LOCK_EX | LOCK_NB) == 0, "the temporary file is locked (errno \(errno))")
                    close(fd)
                    checked += 1
                }
                try sink.write(result: 0, planes: 0..<4, from: try NDArray(shape: [4, 3], scalars: (0..<12).map(Double.init)), bufferPlane: 0)
            }
            #expect(checked == 1)
        }
        #expect(try HDF5.datasets(in: directory.file("f.h5")) == ["/x0", "/x1"])
    }
    #endif
}

private func fixture(_ name: String) throws -> URL {
    try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/hdf5"))
}

import Foundation
import Nabla
import NablaFormats
import Testing

/// Bad input of every kind: exit status 1, exactly one stderr line `nabla: error: …` naming the file or the
/// value, and no output file (nor temporary) created or left behind.
@Suite("nabla errors (CLI)")
struct ErrorCLITests {
    /// A sandbox holding a good 2-D input `v.npy` (shape 4×5) and a 1-D `x5.npy` of 5 coordinates.
    static func sandbox() throws -> Sandbox {
        let box = try Sandbox()
        try box.write(try field([4, 5]), "v.npy")
        try box.write(NDArray<Double>([0, 1, 2.5, 3, 4]), "x5.npy")
        return box
    }

    @Test("missing input file")
    func missingFile() throws {
        let box = try Self.sandbox()
        try box.fail(["gradient", "absent.npy", "-o", "out.npz"], mentions: ["absent.npy"], absent: ["out.npz"])
        try box.fail(["gradient", "absent.npz", "--key", "V", "-o", "out.npz"], mentions: ["absent.npz"], absent: ["out.npz"])
        try box.fail(["laplacian", "absent.npy", "-o", "out.npy"], mentions: ["absent.npy"], absent: ["out.npy"])
    }

    @Test("not a .npy file (text), and not a .npz (text)")
    func notNPY() throws {
        let box = try Self.sandbox()
        try Data("hello, this is not numpy\n".utf8).write(to: box.url("text.npy"))
        try Data("hello, this is not a zip\n".utf8).write(to: box.url("text.npz"))
        try box.fail(["gradient", "text.npy", "-o", "out.npz"], mentions: ["text.npy"], absent: ["out.npz"])
        try box.fail(["gradient", "text.npz", "-o", "out.npz"], mentions: ["text.npz"], absent: ["out.npz"])
        try box.fail(["divergence", "text.npz", "-o", "out.npy"], mentions: ["text.npz"], absent: ["out.npy"])
        // An empty file.
        try Data().write(to: box.url("empty.npy"))
        try box.fail(["gradient", "empty.npy", "-o", "out.npz"], mentions: ["empty.npy"], absent: ["out.npz"])
    }

    @Test("input or output with an unsupported extension")
    func badExtension() throws {
        let box = try Self.sandbox()
        try box.fail(["gradient", "v.npy", "-o", "out.txt"], mentions: ["out.txt", ".txt"], absent: ["out.txt"])
        try box.fail(["gradient", "v.npy", "-o", "out"], mentions: ["out"], absent: ["out"])
        try FileManager.default.copyItem(at: box.url("v.npy"), to: box.url("v.dat"))
        try box.fail(["gradient", "v.dat", "-o", "out.npz"], mentions: ["v.dat"], absent: ["out.npz"])
    }

    @Test("truncated payload")
    func truncated() throws {
        let box = try Self.sandbox()
        let good = try box.bytes("v.npy")
        try good.prefix(good.count - 3).write(to: box.url("cut.npy"))
        try box.fail(["gradient", "cut.npy", "-o", "out.npz"], mentions: ["cut.npy"], absent: ["out.npz"])
        // Cut inside the header.
        try good.prefix(20).write(to: box.url("cuthead.npy"))
        try box.fail(["gradient", "cuthead.npy", "-o", "out.npz"], mentions: ["cuthead.npy"], absent: ["out.npz"])
    }

    @Test("a header that lies about the shape (claims far more data than the file holds)")
    func lyingHeader() throws {
        let box = try Self.sandbox()
        let bytes = npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000, 100000000), }",
                             payload: float64Bytes([1, 2, 3, 4]))
        try box.writeBytes(bytes, "liar.npy")
        try box.fail(["gradient", "liar.npy", "-o", "out.npz"], mentions: ["liar.npy"], absent: ["out.npz"])
        // Claims fewer elements than present (extra bytes).
        try box.writeBytes(npyBytes(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                                    payload: float64Bytes([1, 2, 3, 4])), "extra.npy")
        try box.fail(["gradient", "extra.npy", "-o", "out.npz"], mentions: ["extra.npy"], absent: ["out.npz"])
        // A header that is not a dict literal.
        try box.writeBytes(npyBytes(header: "__import__('os').system('true')", payload: []), "evil.npy")
        try box.fail(["gradient", "evil.npy", "-o", "out.npz"], mentions: ["evil.npy"], absent: ["out.npz"])
    }

    @Test("object dtype and booleans are refused; complex is differentiated, but not written as CSV")
    func badDTypes() throws {
        let box = try Self.sandbox()
        try box.writeBytes(npyBytes(header: "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }",
                                    payload: [UInt8](repeating: 0, count: 24)), "obj.npy")
        try box.fail(["gradient", "obj.npy", "-o", "out.npz"], mentions: ["obj.npy"], absent: ["out.npz"])
        try box.writeBytes(npyBytes(header: "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }",
                                    payload: float64Bytes([1, 2, 3, 4])), "complex.npy")
        try box.succeed(["gradient", "complex.npy", "-o", "out.npy"])
        #expect(try box.readNPY("out.npy") == .complex128(NDArray([Complex(2, 2), Complex(2, 2)])))
        try box.fail(["gradient", "complex.npy", "-o", "out.csv"], mentions: ["out.csv", "complex128"], absent: ["out.csv"])
        try box.write(NDArray<Bool>([true, false, true]), "bool.npy")
        try box.fail(["gradient", "bool.npy", "-o", "out.npz"], mentions: ["bool.npy"], absent: ["out.npz"])
    }

    @Test("0-D array")
    func zeroD() throws {
        let box = try Self.sandbox()
        try box.write(NDArray<Double>(scalar: 3.5), "scalar.npy")
        try box.fail(["gradient", "scalar.npy", "-o", "out.npz"], mentions: ["scalar.npy", "0-D"], absent: ["out.npz"])
        try box.fail(["laplacian", "scalar.npy", "-o", "out.npy"], mentions: ["scalar.npy", "0-D"], absent: ["out.npy"])
    }

    @Test("axis too short for the scheme")
    func tooShort() throws {
        let box = try Self.sandbox()
        try box.write(NDArray<Double>([1]), "one.npy")
        try box.write(NDArray<Double>([1, 2]), "two.npy")
        try box.write(try NDArray<Double>(shape: [0, 3], scalars: []), "empty-axis.npy")
        try box.fail(["gradient", "one.npy", "-o", "out.npz"], mentions: ["one.npy", "axis 0"], absent: ["out.npz"])
        try box.fail(["gradient", "two.npy", "--edge-order", "2", "-o", "out.npz"], mentions: ["two.npy", "axis 0"],
                     absent: ["out.npz"])
        try box.fail(["gradient", "empty-axis.npy", "--axis", "0", "-o", "out.npy"], mentions: ["empty-axis.npy", "axis 0"],
                     absent: ["out.npy"])
        try box.fail(["gradient", "two.npy", "--accuracy", "4", "-o", "out.npz"], mentions: ["two.npy", "axis 0"],
                     absent: ["out.npz"])
        // Axes that are not selected are not checked (numpy): differentiating axis 1 of shape (1, 5) works.
        try box.write(try field([1, 5]), "flat.npy")
        try box.succeed(["gradient", "flat.npy", "--axis", "1", "-o", "ok.npy"])
    }

    @Test("wrong number of spacings")
    func wrongSpacingCount() throws {
        let box = try Self.sandbox()
        try box.fail(["gradient", "v.npy", "--spacing", "1", "--spacing", "2", "--spacing", "3", "-o", "out.npz"],
                     mentions: ["v.npy", "3 spacings"], absent: ["out.npz"])
        try box.fail(["gradient", "v.npy", "--axis", "1", "--spacing", "1", "--spacing", "2", "-o", "out.npy"],
                     mentions: ["v.npy", "2 spacings"], absent: ["out.npy"])
        // A single coordinate file for two axes.
        try box.fail(["gradient", "v.npy", "--spacing", "x5.npy", "-o", "out.npz"], mentions: ["v.npy"], absent: ["out.npz"])
    }

    @Test("bad spacing values: zero, non-finite, non-monotonic coordinates")
    func badSpacingValues() throws {
        let box = try Self.sandbox()
        try box.fail(["gradient", "v.npy", "--spacing", "0", "-o", "out.npz"], mentions: ["0"], absent: ["out.npz"])
        try box.fail(["gradient", "v.npy", "--spacing", "nan", "-o", "out.npz"], mentions: ["nan"], absent: ["out.npz"])
        try box.write(NDArray<Double>([0, 1, 1, 3, 4]), "flat.npy")
        try box.fail(["gradient", "v.npy", "--axis", "1", "--spacing", "flat.npy", "-o", "out.npy"],
                     mentions: ["coordinates"], absent: ["out.npy"])
    }

    @Test("coordinate file of the wrong length")
    func coordinatesWrongLength() throws {
        let box = try Self.sandbox()
        // Axis 0 has 4 points, x5.npy has 5.
        try box.fail(["gradient", "v.npy", "--axis", "0", "--spacing", "x5.npy", "-o", "out.npy"],
                     mentions: ["length 4", "5"], absent: ["out.npy"])
        try box.fail(["gradient", "v.npy", "--spacing", "x5.npy", "--spacing", "1", "-o", "out.npz"],
                     mentions: ["length 4", "5"], absent: ["out.npz"])
    }

    @Test("coordinate file that is not 0-D or 1-D, missing, or not a .npy")
    func coordinatesNot1D() throws {
        let box = try Self.sandbox()
        try box.write(try field([2, 2]), "x2d.npy")
        try box.fail(["gradient", "v.npy", "--axis", "0", "--spacing", "x2d.npy", "-o", "out.npy"],
                     mentions: ["x2d.npy", "1-D"], absent: ["out.npy"])
        // A 0-D array is a scalar spacing, as numpy's np.array(0.5) (issue 11).
        try box.write(NDArray<Double>(scalar: 0.5), "x0d.npy")
        try box.succeed(["gradient", "v.npy", "--axis", "0", "--spacing", "x0d.npy", "-o", "scalar.npy"])
        try box.succeed(["gradient", "v.npy", "--axis", "0", "--spacing", "0.5", "-o", "number.npy"])
        #expect(try box.readNPY("scalar.npy") == box.readNPY("number.npy"))
        try box.fail(["gradient", "v.npy", "--axis", "0", "--spacing", "nothere.npy", "-o", "out.npy"],
                     mentions: ["nothere.npy"], absent: ["out.npy"])
        try Data("0 1 2 3\n".utf8).write(to: box.url("x.txt"))
        try box.fail(["gradient", "v.npy", "--axis", "0", "--spacing", "x.txt", "-o", "out.npy"],
                     mentions: ["x.txt"], absent: ["out.npy"])
    }

    @Test("axis out of range, and repeated")
    func axisOutOfRange() throws {
        let box = try Self.sandbox()
        try box.fail(["gradient", "v.npy", "--axis", "2", "-o", "out.npz"], mentions: ["v.npy", "axis 2"], absent: ["out.npz"])
        try box.fail(["gradient", "v.npy", "--axis", "-3", "-o", "out.npz"], mentions: ["v.npy", "axis -3"], absent: ["out.npz"])
        try box.fail(["gradient", "v.npy", "--axis", "1", "--axis", "-1", "-o", "out.npz"], mentions: ["v.npy", "repeated"],
                     absent: ["out.npz"])
        try box.fail(["gradient", "v.npy", "--periodic-axis", "5", "-o", "out.npz"], mentions: ["v.npy", "5"], absent: ["out.npz"])
    }

    @Test("unsupported edge order, accuracy and derivative")
    func badSchemeNumbers() throws {
        let box = try Self.sandbox()
        try box.fail(["gradient", "v.npy", "--edge-order", "3", "-o", "out.npz"], mentions: ["edge order 3"], absent: ["out.npz"])
        try box.fail(["gradient", "v.npy", "--edge-order", "0", "-o", "out.npz"], mentions: ["edge order 0"], absent: ["out.npz"])
        try box.fail(["gradient", "v.npy", "--accuracy", "3", "-o", "out.npz"], mentions: ["accuracy 3"], absent: ["out.npz"])
        try box.fail(["gradient", "v.npy", "--derivative", "0", "-o", "out.npz"], mentions: ["derivative order 0"],
                     absent: ["out.npz"])
        // Checks that need no data come first: a missing input with a bad edge order still reports the edge order.
        try box.fail(["gradient", "absent.npy", "--edge-order", "3", "-o", "out.npz"], mentions: ["edge order 3"],
                     absent: ["out.npz"])
    }

    @Test("an existing output file is left untouched when the command fails")
    func existingOutputUntouched() throws {
        let box = try Self.sandbox()
        let sentinel = Data("previous results, keep me\n".utf8)
        for output in ["out.npz", "out.npy"] {
            try sentinel.write(to: box.url(output))
        }
        let failures: [(args: [String], mention: String)] = [
            (["gradient", "v.npy", "--edge-order", "3", "-o", "out.npz"], "3"),
            (["gradient", "v.npy", "--spacing", "1", "--spacing", "2", "--spacing", "3", "-o", "out.npz"], "v.npy"),
            (["gradient", "v.npy", "--axis", "0", "--spacing", "x5.npy", "-o", "out.npz"], "v.npy"),
            (["gradient", "v.npy", "-o", "out.npy"], "out.npy"),
            (["gradient", "absent.npy", "-o", "out.npy"], "absent.npy"),
            (["laplacian", "absent.npy", "-o", "out.npy"], "absent.npy"),
            (["divergence", "v.npy", "-o", "out.npy"], "v.npy"),
            (["curl", "absent.npz", "-o", "out.npz"], "absent.npz"),
        ]
        for failure in failures {
            try box.fail(failure.args, mentions: [failure.mention])
            for output in ["out.npz", "out.npy"] {
                #expect(try box.bytes(output) == sentinel, "\(failure.args) changed \(output)")
            }
        }
        #expect(try box.listing() == ["out.npy", "out.npz", "v.npy", "x5.npy"])
    }

    @Test("an output directory that does not exist: one error line, nothing created")
    func missingOutputDirectory() throws {
        let box = try Self.sandbox()
        try box.fail(["gradient", "v.npy", "-o", "no/such/dir/out.npz"], mentions: ["out.npz"])
        try box.fail(["gradient", "v.npy", "--axis", "0", "-o", "no/such/dir/out.npy"], mentions: ["out.npy"])
        #expect(!box.exists("no"))
    }

    @Test("usage errors are refused with a nonzero status and no output")
    func usageErrors() throws {
        let box = try Self.sandbox()
        let cases: [[String]] = [
            ["gradient", "v.npy", "--bogus", "-o", "out.npz"],
            ["gradient", "v.npy", "--axis", "one", "-o", "out.npz"],
            ["gradient", "v.npy", "--axis", "1.5", "-o", "out.npz"],
            ["gradient", "v.npy"],
            ["gradient", "-o", "out.npz"],
            ["frobnicate", "v.npy", "-o", "out.npz"],
        ]
        for arguments in cases {
            let result = try box.run(arguments)
            #expect(result.status != 0, "\(arguments) should fail\n\(result)")
            #expect(result.stderr.contains("Error") || result.stderr.contains("error"), "\(arguments)\n\(result)")
            #expect(!box.exists("out.npz"))
            #expect(try box.listing() == ["v.npy", "x5.npy"])
        }
    }
}

import Foundation
import Nabla
import NablaFormats
import Testing

/// `nabla gradient`, run as a subprocess; results compared bitwise with `Nabla.gradient` and with numbers
/// numpy 2.4 printed (`repr` of each float64, pasted as literals).
@Suite("nabla gradient (CLI)")
struct GradientCLITests {
    // f = np.array([1, 2, 4, 7, 11, 16]) (int64)
    static let f1: NDArray<Int64> = NDArray([1, 2, 4, 7, 11, 16])

    // MARK: Spacing forms

    @Test("no spacing: numpy.gradient(f), integer input gives float64")
    func noSpacing() throws {
        let box = try Sandbox()
        try box.write(Self.f1, "f.npy")
        try box.succeed(["gradient", "f.npy", "-o", "g.npz"])
        let out = try box.readNPZ("g.npz")
        #expect(out.map(\.name) == ["axis0"])
        expectValues(out[0].array, [1.0, 1.5, 2.5, 3.5, 4.5, 5.0], shape: [6], "np.gradient(f)")
        expectIdentical(out[0].array, AnyNDArray(try Nabla.gradient(of: Self.f1)[0]), "library")
    }

    @Test("one number for every axis, and --edge-order 2")
    func scalarSpacing() throws {
        let box = try Sandbox()
        try box.write(Self.f1, "f.npy")
        try box.succeed(["gradient", "f.npy", "--spacing", "2.0", "-o", "g.npy"])
        expectValues(try box.readNPY("g.npy"), [0.5, 0.75, 1.25, 1.75, 2.25, 2.5], shape: [6], "np.gradient(f, 2.0)")
        try box.succeed(["gradient", "f.npy", "--edge-order", "2", "-o", "e.npy"])
        expectValues(try box.readNPY("e.npy"), [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], shape: [6], "np.gradient(f, edge_order=2)")

        // 2-D, one number applies to both axes.
        let g = try field([4, 5])
        try box.write(g, "g2.npy")
        try box.succeed(["gradient", "g2.npy", "--spacing", "0.3", "-o", "out.npz"])
        expectArchive(try box.readNPZ("out.npz"), names: ["axis0", "axis1"],
                      arrays: wrap(try Nabla.gradient(of: g, spacing: [0.3])))
    }

    @Test("float coordinate file, both edge orders")
    func floatCoordinates() throws {
        let box = try Sandbox()
        try box.write(Self.f1, "f.npy")
        try box.write(NDArray<Double>([0, 1, 1.5, 3.5, 4, 6]), "x.npy")
        try box.succeed(["gradient", "f.npy", "--spacing", "x.npy", "-o", "g.npy"])
        expectValues(try box.readNPY("g.npy"), [1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, 2.5],
                     "np.gradient(f, x)")
        try box.succeed(["gradient", "f.npy", "--spacing", box.path("x.npy"), "--edge-order", "2", "-o", "e.npy"])
        expectValues(try box.readNPY("e.npy"),
                     [-1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, -1.8999999999999968],
                     "np.gradient(f, x, edge_order=2)")
    }

    @Test("integer coordinate files (int64 and int32) are converted to float64 first")
    func integerCoordinates() throws {
        let box = try Sandbox()
        try box.write(Self.f1, "f.npy")
        try box.write(NDArray<Int64>([0, 1, 3, 4, 7, 8]), "x64.npy")
        try box.write(NDArray<Int32>([0, 1, 3, 4, 7, 8]), "x32.npy")
        try box.write(NDArray<UInt8>([0, 1, 3, 4, 7, 8]), "xu8.npy")
        let expected = [1.0, 1.0, 2.3333333333333326, 2.5833333333333326, 4.083333333333334, 5.0]
        for name in ["x64.npy", "x32.npy", "xu8.npy"] {
            try box.succeed(["gradient", "f.npy", "--spacing", name, "-o", "g-\(name)"])
            expectValues(try box.readNPY("g-\(name)"), expected, "np.gradient(f, \(name))")
        }
    }

    @Test("uniform coordinates give bitwise the scalar-spacing result (numpy collapses them)")
    func uniformCoordinatesCollapse() throws {
        let box = try Sandbox()
        let g = try field([7])
        try box.write(g, "g.npy")
        try box.write(NDArray<Double>((0..<7).map { Double($0) * 0.5 }), "x.npy")
        try box.succeed(["gradient", "g.npy", "--spacing", "x.npy", "-o", "a.npy"])
        try box.succeed(["gradient", "g.npy", "--spacing", "0.5", "-o", "b.npy"])
        expectIdentical(try box.readNPY("a.npy"), try box.readNPY("b.npy"), "coordinates vs scalar")
    }

    @Test("one spacing per axis, mixing a coordinate file and a number")
    func mixedSpacing() throws {
        let box = try Sandbox()
        let g = try NDArray<Double>([[1, 2, 6, 3], [3, 4, 5, 9], [0.5, 7, 1, 2]])
        try box.write(g, "g.npy")
        try box.write(NDArray<Double>([0, 0.5, 2]), "y.npy")
        try box.succeed(["gradient", "g.npy", "--spacing", "y.npy", "--spacing", "0.25", "-o", "out.npz"])
        let out = try box.readNPZ("out.npz")
        #expect(out.map(\.name) == ["axis0", "axis1"])
        // np.gradient(g, y, 0.25)
        expectValues(out[0].array, [4.0, 4.0, -2.0, 12.0, 2.5833333333333335, 3.4999999999999996, -2.1666666666666674,
                                    7.833333333333333, -1.6666666666666667, 2.0, -2.6666666666666665, -4.666666666666667],
                     shape: [3, 4], "axis0")
        expectValues(out[1].array, [4.0, 10.0, 2.0, -12.0, 4.0, 4.0, 10.0, 16.0, 26.0, 1.0, -10.0, 4.0], shape: [3, 4], "axis1")
        expectArchive(out, names: ["axis0", "axis1"],
                      arrays: wrap(try Nabla.gradient(of: g, spacing: [.coordinates([0, 0.5, 2]), 0.25])))

        // Two numbers, one per axis.
        try box.succeed(["gradient", "g.npy", "--spacing", "0.5", "--spacing", "3", "-o", "two.npz"])
        expectArchive(try box.readNPZ("two.npz"), names: ["axis0", "axis1"],
                      arrays: wrap(try Nabla.gradient(of: g, spacing: [0.5, 3])))
    }

    // MARK: Axis selection and names

    @Test("--axis order decides the output order, and the spacings follow it")
    func axisOrder() throws {
        let box = try Sandbox()
        let g = try NDArray<Double>([[1, 2, 6, 3], [3, 4, 5, 9], [0.5, 7, 1, 2]])
        try box.write(g, "g.npy")
        try box.write(NDArray<Double>([0, 0.5, 2]), "y.npy")
        // np.gradient(g, 0.25, y, axis=(1, 0))
        try box.succeed(["gradient", "g.npy", "--axis", "1", "--axis", "0", "--spacing", "0.25", "--spacing", "y.npy",
                         "-o", "out.npz"])
        let out = try box.readNPZ("out.npz")
        #expect(out.map(\.name) == ["axis1", "axis0"])
        expectValues(out[0].array, [4.0, 10.0, 2.0, -12.0, 4.0, 4.0, 10.0, 16.0, 26.0, 1.0, -10.0, 4.0], shape: [3, 4], "axis1")
        expectValues(out[1].array, [4.0, 4.0, -2.0, 12.0, 2.5833333333333335, 3.4999999999999996, -2.1666666666666674,
                                    7.833333333333333, -1.6666666666666667, 2.0, -2.6666666666666665, -4.666666666666667],
                     shape: [3, 4], "axis0")
    }

    @Test("negative axes are normalised in the names: --axis -1 on 3-D is axis2")
    func negativeAxes() throws {
        let box = try Sandbox()
        let v = try field([3, 4, 5])
        try box.write(v, "v.npy")
        try box.succeed(["gradient", "v.npy", "--axis", "-1", "--axis", "-3", "--spacing", "0.1", "-o", "out.npz"])
        expectArchive(try box.readNPZ("out.npz"), names: ["axis2", "axis0"],
                      arrays: wrap(try Nabla.gradient(of: v, spacing: [0.1], axes: [2, 0])))

        try box.succeed(["gradient", "v.npy", "--axis", "-2", "-o", "one.npy"])
        expectIdentical(try box.readNPY("one.npy"), AnyNDArray(try Nabla.gradient(of: v, axes: [1])[0]), "axis -2")
    }

    @Test("default: every axis of a 3-D field, named axis0 axis1 axis2")
    func everyAxis3D() throws {
        let box = try Sandbox()
        let v = try field([4, 3, 5], seed: 2)
        try box.write(v, "v.npy")
        try box.write(NDArray<Double>([0, 0.1, 0.3, 0.35, 0.9]), "z.npy")
        try box.succeed(["gradient", "v.npy", "--spacing", "0.5", "--spacing", "2", "--spacing", "z.npy",
                         "--edge-order", "2", "-o", "out.npz"])
        expectArchive(try box.readNPZ("out.npz"), names: ["axis0", "axis1", "axis2"],
                      arrays: wrap(try Nabla.gradient(of: v, spacing: [0.5, 2, .coordinates([0, 0.1, 0.3, 0.35, 0.9])],
                                                      edgeOrder: 2)))
    }

    @Test(".npy output with one selected axis (also the only axis of a 1-D input)")
    func npyOutput() throws {
        let box = try Sandbox()
        let v = try field([5, 6])
        try box.write(v, "v.npy")
        try box.succeed(["gradient", "v.npy", "--axis", "1", "--spacing", "0.2", "-o", "d.npy"])
        expectIdentical(try box.readNPY("d.npy"), AnyNDArray(try Nabla.gradient(of: v, spacing: [0.2], axes: [1])[0]), "axis 1")
    }

    @Test(".npy output with several axes is an error and writes nothing")
    func npyOutputSeveralAxes() throws {
        let box = try Sandbox()
        try box.write(try field([5, 6]), "v.npy")
        try box.fail(["gradient", "v.npy", "-o", "d.npy"], mentions: ["d.npy"], absent: ["d.npy"])
        try box.fail(["gradient", "v.npy", "--axis", "0", "--axis", "1", "-o", "d.npy"], mentions: ["d.npy"], absent: ["d.npy"])
    }

    // MARK: .npz input

    @Test(".npz input: --key picks a member; an archive of one array needs no key")
    func npzInput() throws {
        let box = try Sandbox()
        let a = try field([4, 5], seed: 1)
        let b = try field([6], seed: 3)
        try box.writeNPZ([("A", AnyNDArray(a)), ("B", AnyNDArray(b))], "two.npz")
        try box.writeNPZ([("only", AnyNDArray(b))], "one.npz")

        try box.succeed(["gradient", "two.npz", "--key", "A", "--axis", "1", "-o", "dA.npy"])
        expectIdentical(try box.readNPY("dA.npy"), AnyNDArray(try Nabla.gradient(of: a, axes: [1])[0]), "key A")
        try box.succeed(["gradient", "two.npz", "--key", "B", "-o", "dB.npz"])
        expectArchive(try box.readNPZ("dB.npz"), names: ["axis0"], arrays: wrap(try Nabla.gradient(of: b)))
        try box.succeed(["gradient", "one.npz", "--spacing", "0.5", "-o", "only.npy"])
        expectIdentical(try box.readNPY("only.npy"), AnyNDArray(try Nabla.gradient(of: b, spacing: [0.5])[0]), "only array")
    }

    @Test(".npz input errors: several arrays without --key, unknown key, --key on a .npy")
    func npzInputErrors() throws {
        let box = try Sandbox()
        let a = try field([4, 5], seed: 1)
        try box.writeNPZ([("A", AnyNDArray(a)), ("B", AnyNDArray(a))], "two.npz")
        try box.write(a, "a.npy")
        try box.fail(["gradient", "two.npz", "-o", "out.npz"], mentions: ["two.npz", "--key"], absent: ["out.npz"])
        try box.fail(["gradient", "two.npz", "--key", "C", "-o", "out.npz"], mentions: ["two.npz", "'C'"], absent: ["out.npz"])
        try box.fail(["gradient", "a.npy", "--key", "A", "-o", "out.npz"], mentions: ["a.npy", "--key"], absent: ["out.npz"])
    }

    @Test("a compressed .npz input, a Fortran-order and a big-endian .npy give the same results")
    func inputLayouts() throws {
        let box = try Sandbox()
        // 2×3 float64 [[1, 2, 4], [7, 11, 16]]: C order, Fortran order, big-endian.
        let c = try NDArray<Double>([[1, 2, 4], [7, 11, 16]])
        try box.write(c, "c.npy")
        try box.writeBytes(npyBytes(header: "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                                    payload: float64Bytes([1, 7, 2, 11, 4, 16])), "f.npy")
        let big = [1.0, 2, 4, 7, 11, 16].flatMap { v in withUnsafeBytes(of: v.bitPattern.bigEndian) { Array($0) } }
        try box.writeBytes(npyBytes(header: "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", payload: big),
                           "b.npy")
        try NPZ.write([(name: "c", array: AnyNDArray(c))], to: box.url("z.npz"), compressed: true)
        let expected = wrap(try Nabla.gradient(of: c, spacing: [0.5]))
        for name in ["c.npy", "f.npy", "b.npy", "z.npz"] {
            try box.succeed(["gradient", name, "--spacing", "0.5", "-o", "out-\(name).npz"])
            expectArchive(try box.readNPZ("out-\(name).npz"), names: ["axis0", "axis1"], arrays: expected)
        }
        // np.gradient([[1, 2, 4], [7, 11, 16]], 0.5)
        let out = try box.readNPZ("out-f.npy.npz")
        expectValues(out[0].array, [12, 18, 24, 12, 18, 24], shape: [2, 3], "axis0")
        expectValues(out[1].array, [2, 3, 4, 8, 9, 10], shape: [2, 3], "axis1")
    }

    // MARK: Types

    @Test("float32 stays float32 (numpy's bits)")
    func float32() throws {
        let box = try Sandbox()
        let h = NDArray<Float>([0.1, 0.7, -0.3, 2.5])
        try box.write(h, "h.npy")
        try box.succeed(["gradient", "h.npy", "--spacing", "0.1", "-o", "g.npy"])
        let out = try box.readNPY("g.npy")
        #expect(out.dtype == .float32)
        // np.gradient(np.float32([0.1, 0.7, -0.3, 2.5]), 0.1), as float.hex()
        let numpy: [Float] = [0x1.7ffffep+2, -0x1.0p+1, 0x1.2p+3, 0x1.cp+4]
        #expect(out.array(of: Float.self)?.scalars.map(\.bitPattern) == numpy.map(\.bitPattern))
        expectIdentical(out, AnyNDArray(try Nabla.gradient(of: h, spacing: [0.1])[0]), "library")
    }

    @Test("float16 stays float16 (numpy's values)")
    func float16() throws {
        let box = try Sandbox()
        let h = NDArray<Float16>([0.1, 0.7, -0.3, 2.5])
        try box.write(h, "h.npy")
        try box.succeed(["gradient", "h.npy", "-o", "g.npy"])
        try box.succeed(["gradient", "h.npy", "--spacing", "0.5", "-o", "g5.npz"])
        let out = try box.readNPY("g.npy")
        #expect(out.dtype == .float16)
        #expect(out.asDouble().scalars == [0.60009765625, -0.199951171875, 0.89990234375, 2.80078125])
        let out5 = try box.readNPZ("g5.npz")
        #expect(out5.first?.array.dtype == .float16)
        #expect(out5.first?.array.asDouble().scalars == [1.2001953125, -0.39990234375, 1.7998046875, 5.6015625])
        expectIdentical(out, AnyNDArray(try Nabla.gradient(of: h)[0]), "library")
    }

    @Test("integer inputs give float64 without wrap-around", arguments: ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"])
    func integers(_ dtype: String) throws {
        let box = try Sandbox()
        let values: AnyNDArray = switch dtype {
        case "int8": AnyNDArray(NDArray<Int8>([5, 4, 3, 2, 1]))
        case "int16": AnyNDArray(NDArray<Int16>([5, 4, 3, 2, 1]))
        case "int32": AnyNDArray(NDArray<Int32>([5, 4, 3, 2, 1]))
        case "int64": AnyNDArray(NDArray<Int64>([5, 4, 3, 2, 1]))
        case "uint8": AnyNDArray(NDArray<UInt8>([5, 4, 3, 2, 1]))
        case "uint16": AnyNDArray(NDArray<UInt16>([5, 4, 3, 2, 1]))
        case "uint32": AnyNDArray(NDArray<UInt32>([5, 4, 3, 2, 1]))
        default: AnyNDArray(NDArray<UInt64>([5, 4, 3, 2, 1]))
        }
        #expect(values.dtype.name == dtype)
        try box.write(values, "u.npy")
        try box.succeed(["gradient", "u.npy", "-o", "g.npy"])
        expectValues(try box.readNPY("g.npy"), [-1, -1, -1, -1, -1], shape: [5], "np.gradient(\(dtype) [5,4,3,2,1])")
    }

    @Test("a 2-D int16 field equals the library's float64 gradient bitwise")
    func int2D() throws {
        let box = try Sandbox()
        let a = try NDArray<Int16>(shape: [4, 6]) { i in Int16((i[0] * 7 + i[1] * i[1] * 3) % 23) - 11 }
        try box.write(a, "a.npy")
        try box.succeed(["gradient", "a.npy", "--spacing", "0.5", "--spacing", "1.5", "-o", "g.npz"])
        let out = try box.readNPZ("g.npz")
        #expect(out.allSatisfy { $0.array.dtype == .float64 })
        expectArchive(out, names: ["axis0", "axis1"], arrays: wrap(try Nabla.gradient(of: a, spacing: [0.5, 1.5])))
    }

    // MARK: Beyond numpy

    @Test("--accuracy 4 and --derivative 2 equal the library")
    func accuracyAndDerivative() throws {
        let box = try Sandbox()
        let v = try field([9, 8])
        try box.write(v, "v.npy")
        try box.succeed(["gradient", "v.npy", "--accuracy", "4", "--spacing", "0.1", "-o", "a4.npz"])
        expectArchive(try box.readNPZ("a4.npz"), names: ["axis0", "axis1"],
                      arrays: wrap(try Nabla.gradient(of: v, spacing: [0.1], accuracy: 4)))
        try box.succeed(["gradient", "v.npy", "--derivative", "2", "--axis", "-1", "-o", "d2.npy"])
        expectIdentical(try box.readNPY("d2.npy"), AnyNDArray(try Nabla.gradient(of: v, axes: [1], derivative: 2)[0]), "d2")
        try box.succeed(["gradient", "v.npy", "--derivative", "2", "--accuracy", "4", "--spacing", "0.5", "--spacing", "0.25",
                         "-o", "d2a4.npz"])
        expectArchive(try box.readNPZ("d2a4.npz"), names: ["axis0", "axis1"],
                      arrays: wrap(try Nabla.gradient(of: v, spacing: [0.5, 0.25], accuracy: 4, derivative: 2)))

        // A cubic's second derivative is exact for accuracy 2 inside: d²/dx² x³ = 6x, spacing 1.
        let cubic = NDArray<Double>((0..<8).map { Double($0 * $0 * $0) })
        try box.write(cubic, "c.npy")
        try box.succeed(["gradient", "c.npy", "--derivative", "2", "-o", "c2.npy"])
        let c2 = try box.readNPY("c2.npy").asDouble().scalars
        for i in 1..<7 { #expect(c2[i] == Double(6 * i), "f''(\(i))") }
    }

    @Test("--periodic and --periodic-axis wrap the stencils around")
    func periodic() throws {
        let box = try Sandbox()
        try box.write(NDArray<Double>([0, 1, 4, 9]), "p.npy")
        try box.succeed(["gradient", "p.npy", "--periodic", "-o", "g.npy"])
        // np.gradient(np.concatenate([p[-1:], p, p[:1]]))[1:-1]
        expectValues(try box.readNPY("g.npy"), [-4, 2, 4, -2], "periodic gradient")
        try box.succeed(["gradient", "p.npy", "--periodic", "--derivative", "2", "-o", "g2.npy"])
        expectValues(try box.readNPY("g2.npy"), [10, 2, 2, -14], "periodic second derivative")

        let v = try field([6, 7])
        try box.write(v, "v.npy")
        try box.succeed(["gradient", "v.npy", "--periodic", "--spacing", "0.5", "-o", "all.npz"])
        expectArchive(try box.readNPZ("all.npz"), names: ["axis0", "axis1"],
                      arrays: wrap(try Nabla.gradient(of: v, spacing: [0.5], periodicAxes: [0, 1])))
        try box.succeed(["gradient", "v.npy", "--periodic-axis", "-1", "--accuracy", "4", "-o", "one.npz"])
        expectArchive(try box.readNPZ("one.npz"), names: ["axis0", "axis1"],
                      arrays: wrap(try Nabla.gradient(of: v, accuracy: 4, periodicAxes: [1])))
        try box.succeed(["gradient", "v.npy", "--periodic-axis", "0", "--periodic-axis", "1", "--axis", "1", "-o", "p1.npy"])
        expectIdentical(try box.readNPY("p1.npy"), AnyNDArray(try Nabla.gradient(of: v, axes: [1], periodicAxes: [0, 1])[0]),
                        "periodic axes 0 and 1, differentiate along 1")
        // --periodic with a selected axis only makes that axis periodic (the others are not differentiated).
        try box.succeed(["gradient", "v.npy", "--periodic", "--axis", "0", "-o", "p0.npy"])
        expectIdentical(try box.readNPY("p0.npy"), AnyNDArray(try Nabla.gradient(of: v, axes: [0], periodicAxes: [0])[0]),
                        "--periodic --axis 0")
    }

    // MARK: Output files

    @Test("an existing output is replaced on success, with no temporary left")
    func replacesOutput() throws {
        let box = try Sandbox()
        let v = try field([5])
        try box.write(v, "v.npy")
        try Data("old".utf8).write(to: box.url("out.npz"))
        try box.succeed(["gradient", "v.npy", "-o", "out.npz"])
        expectArchive(try box.readNPZ("out.npz"), names: ["axis0"], arrays: wrap(try Nabla.gradient(of: v)))
        #expect(try box.listing() == ["out.npz", "v.npy"])
    }

    @Test("relative and absolute paths, in a subdirectory")
    func paths() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(at: box.url("sub dir"), withIntermediateDirectories: true)
        let v = try field([5])
        try box.write(v, "sub dir/v.npy")
        try box.succeed(["gradient", "sub dir/v.npy", "-o", box.path("sub dir/out.npy")])
        expectIdentical(try box.readNPY("sub dir/out.npy"), AnyNDArray(try Nabla.gradient(of: v)[0]), "paths")
    }
}

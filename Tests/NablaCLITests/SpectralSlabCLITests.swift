import Foundation
import Nabla
import NablaFormats
import Testing

/// `nabla gradient/laplacian --method spectral --memory SIZE` on `.npy`/stored `.npz` inputs: streamed in
/// slabs and column blocks, the same bytes whatever the budget, the in-memory results to the bit.
@Suite("CLI: spectral within --memory")
struct SpectralSlabCLITests {
    /// A reproducible field in [-1, 1).
    static func field<T: BinaryFloatingPoint & NPYScalar>(_: T.Type, shape: [Int]) throws -> NDArray<T> {
        var state: UInt64 = 0x2545F4914F6CDD1D
        let values = (0..<shape.reduce(1, *)).map { _ -> T in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return T(Double(state >> 11) / Double(1 << 52) - 1)
        }
        return try NDArray(shape: shape, scalars: values)
    }

    static func sameBits(_ a: AnyNDArray, _ b: AnyNDArray) -> Bool {
        guard a.shape == b.shape, a.dtype == b.dtype else { return false }
        switch (a, b) {
        case let (.float64(x), .float64(y)): return x.scalars.elementsEqual(y.scalars) { $0.bitPattern == $1.bitPattern }
        case let (.float32(x), .float32(y)): return x.scalars.elementsEqual(y.scalars) { $0.bitPattern == $1.bitPattern }
        default: return false
        }
    }

    @Test("a small --memory gives the bytes of a large one and the in-memory results (gradient .npz, Laplacian .npy; float64 and float32)")
    func smallBudgetSameBytes() throws {
        let box = try Sandbox()
        try box.write(try Self.field(Double.self, shape: [23, 10, 12]), "f.npy")
        try box.write(try Self.field(Float.self, shape: [18, 9, 7]), "g.npy")
        for input in ["f", "g"] {
            // A deflated copy takes the in-memory path: the reference.
            try NPZ.write([(name: "f", array: try box.readNPY("\(input).npy"))], to: box.url("\(input)z.npz"), compressed: true)
            try box.succeed(["gradient", "\(input)z.npz", "--method", "spectral", "--spacing", "0.1", "-o", "\(input)-grad-ref.npz"])
            try box.succeed(["laplacian", "\(input)z.npz", "--method", "spectral", "-o", "\(input)-lap-ref.npy"])
            for memory in ["1G", "24K", "60K"] {
                try box.succeed(["gradient", "\(input).npy", "--method", "spectral", "--spacing", "0.1", "--memory", memory,
                                 "-o", "\(input)-grad-\(memory).npz"])
                try box.succeed(["laplacian", "\(input).npy", "--method", "spectral", "--memory", memory, "-o", "\(input)-lap-\(memory).npy"])
                #expect(try box.bytes("\(input)-lap-\(memory).npy") == box.bytes("\(input)-lap-1G.npy"), "\(input) laplacian, --memory \(memory)")
                let streamed = try box.readNPZ("\(input)-grad-\(memory).npz"), reference = try box.readNPZ("\(input)-grad-ref.npz")
                #expect(streamed.map(\.name) == ["axis0", "axis1", "axis2"])
                #expect(streamed.map(\.name) == reference.map(\.name))
                for (a, b) in zip(streamed, reference) {
                    #expect(Self.sameBits(a.array, b.array), "\(input) gradient \(a.name), --memory \(memory)")
                }
                let lap = try box.readNPY("\(input)-lap-\(memory).npy")
                #expect(Self.sameBits(lap, try box.readNPY("\(input)-lap-ref.npy")), "\(input) laplacian, --memory \(memory)")
            }
        }
        // Only the outputs: no scratch file or temporary is left beside them.
        #expect(try box.listing().allSatisfy { !$0.hasPrefix(".") })
    }

    @Test("--axis 0 and a stored .npz member, second derivative, within a budget that holds a few planes")
    func axisZeroMember() throws {
        let box = try Sandbox()
        let f = try Self.field(Double.self, shape: [16, 6, 8])
        try box.writeNPZ([("a", AnyNDArray(f)), ("b", AnyNDArray(f))], "two.npz")
        try NPZ.write([(name: "a", array: AnyNDArray(f))], to: box.url("ref.npz"), compressed: true)
        try box.succeed(["gradient", "ref.npz", "--method", "spectral", "--axis", "0", "--derivative", "2", "-o", "ref.npy"])
        try box.succeed(["gradient", "two.npz", "--key", "a", "--method", "spectral", "--axis", "0", "--derivative", "2",
                         "--memory", "16K", "-o", "s.npy"])
        #expect(Self.sameBits(try box.readNPY("s.npy"), try box.readNPY("ref.npy")))
    }

    @Test("a budget too small for one plane is refused before reading, naming the bytes needed; nothing is written")
    func tooSmall() throws {
        let box = try Sandbox()
        try box.write(try Self.field(Double.self, shape: [8, 64, 64]), "f.npy")
        let line = try box.fail(["gradient", "f.npy", "--method", "spectral", "--memory", "64K", "-o", "g.npz"],
                                mentions: ["f.npy", "65536 bytes cannot hold one slab", "allow more memory"], absent: ["g.npz"])
        let needed = line.split(separator: " ").reversed().compactMap { Int($0) }.first ?? 0
        #expect(needed > 65536, "\(line)")
        try box.fail(["laplacian", "f.npy", "--method", "spectral", "--memory", "64K", "-o", "l.npy"],
                     mentions: ["cannot hold one slab"], absent: ["l.npy"])
    }
}

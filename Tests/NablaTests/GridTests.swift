import Foundation
import Nabla
import Testing

/// GridAxis and Grid against numpy.mgrid (Fixtures/mgrid.json), and the seed field
/// V = 2x² + 3y² − 4z on mgrid[-100:101:25.] against np.gradient(V, 25.) and the analytic field.
@Suite("Grid")
struct GridTests {
    struct AxisSpec: Decodable, Sendable {
        let kind: String
        let start: Double
        let stop: Double
        let step: Double?
        let count: Int?

        var axis: GridAxis {
            kind == "arange" ? .arange(start, stop, step: step!) : kind == "mgrid" ? .mgrid(start, stop, step: step!) : .linspace(start, stop, count: count!)
        }
    }

    struct OneD: Decodable, Sendable, CustomTestStringConvertible {
        let label: String
        let spec: AxisSpec
        let coordinates: [String]
        var testDescription: String { "mgrid[\(label)]" }
    }

    struct ND: Decodable, Sendable {
        let label: String
        let specs: [AxisSpec]
        let shape: [Int]
        let coordinates: [[String]]
    }

    struct Seed: Decodable, Sendable {
        let shape: [Int]
        let V: [String]
        let gradient: [[String]]

        enum CodingKeys: String, CodingKey { case shape, V = "V", gradient }
    }

    struct File: Decodable, Sendable {
        let oneD: [OneD]
        let nD: [ND]
        let seed: Seed

        enum CodingKeys: String, CodingKey { case oneD = "one_d", nD = "n_d", seed }
    }

    static func load() throws -> File {
        let data = try Data(contentsOf: try Fixtures.url("mgrid"))
        return try JSONDecoder().decode(File.self, from: data)
    }

    static let oneD: [OneD] = (try? load().oneD) ?? []

    @Test func fixtureLoads() throws {
        let file = try Self.load()
        #expect(file.oneD.count >= 6 && file.nD.count >= 2 && file.seed.shape == [9, 9, 9])
    }

    // MARK: GridAxis

    /// `np.mgrid[start:stop:step]` (1-D) is `np.arange(start, stop, step)`; `np.mgrid[a:b:nj]` is
    /// `arange(n) * ((b - a) / (n - 1)) + a`.
    @Test("GridAxis reproduces 1-D numpy.mgrid bitwise", arguments: oneD)
    func oneDimensionalMgrid(_ c: OneD) {
        let axis = c.spec.axis
        let expected = c.coordinates.map(parseDouble)
        #expect(axis.count == expected.count)
        let got = axis.coordinates
        for (i, (g, e)) in zip(got, expected).enumerated() {
            #expect(bitwiseEqual(g, e), "x[\(i)] = \(g), numpy \(e)")
        }
    }

    @Test("Grid.coordinateArrays reproduces N-D numpy.mgrid bitwise")
    func nDimensionalMgrid() throws {
        for c in try Self.load().nD {
            let grid = Grid(c.specs.map(\.axis))
            #expect(grid.shape == c.shape, "\(c.label)")
            let arrays = grid.coordinateArrays()
            #expect(arrays.count == c.coordinates.count)
            for (k, (a, e)) in zip(arrays, c.coordinates).enumerated() {
                let expected = try NDArray(shape: c.shape, scalars: e.map(parseDouble))
                expectBitwise(a, expected, "mgrid[\(c.label)] component \(k)")
            }
        }
    }

    @Test func axisBasics() throws {
        let a = GridAxis(start: -100, step: 25, count: 9)
        #expect(a == .arange(-100, 101, step: 25) && a == .mgrid(-100, 101, step: 25))
        #expect(a.coordinates == [-100, -75, -50, -25, 0, 25, 50, 75, 100])
        #expect(a.coordinate(at: 3) == -25 && a.uniformStep == 25 && a.spacing == .uniform(25))
        #expect(GridAxis.arange(0, 1, step: 0.1).count == 10)
        #expect(GridAxis.arange(5, -5, step: -1.5).coordinates == [5, 3.5, 2, 0.5, -1, -2.5, -4])
        #expect(GridAxis.arange(1, 0, step: 0.5).count == 0)
        #expect(GridAxis.arange(0, 1, step: 1).count == 1)
        #expect(GridAxis.linspace(-1, 1, count: 5).coordinates == [-1, -0.5, 0, 0.5, 1])
        let p = GridAxis.periodic(period: 2, count: 4)
        #expect(p.isPeriodic && p.coordinates == [0, 0.5, 1, 1.5] && !a.isPeriodic && a.periodic().isPeriodic)
        let x = try GridAxis.coordinates([0, 0.5, 1, 3, 5, 7])
        #expect(x.count == 6 && x.uniformStep == nil && x.spacing == .coordinates([0, 0.5, 1, 3, 5, 7]))
        #expect(x.coordinate(at: 3) == 3)
        #expect(try GridAxis.coordinates([3, 2, 1]).coordinates == [3, 2, 1])
        expectNablaError("invalidSpacing", mentioning: ["monotonic"]) { try GridAxis.coordinates([0, 2, 1]) }
        expectNablaError("invalidSpacing", mentioning: ["non-zero"]) { try GridAxis.coordinates([0, 1, 1]) }
    }

    @Test func gridBasics() throws {
        let grid = Grid(.arange(0, 3, step: 1), .linspace(0, 1, count: 3), try .coordinates([5, 7, 8, 10]))
        #expect(grid.shape == [3, 3, 4] && grid.rank == 3)
        #expect(grid.spacing == [.uniform(1), .uniform(0.5), .coordinates([5, 7, 8, 10])])
        #expect(grid.point(at: [2, 1, 3]) == [2, 0.5, 10])
        let f = grid.sample { p in p[0] + 10 * p[1] + 100 * p[2] }
        #expect(f.shape == [3, 3, 4] && f[2, 1, 3] == 1007 && f[0, 0, 0] == 500)
        let g1 = Grid(.arange(0, 4, step: 0.5)).sample { x in x * x }
        #expect(g1.scalars == [0, 0.25, 1, 2.25, 4, 6.25, 9, 12.25])
        let g2 = Grid(.arange(0, 2, step: 1), .arange(0, 3, step: 1)).sample { x, y in 10 * x + y }
        #expect(g2 == (try NDArray<Double>([[0.0, 1, 2], [10, 11, 12]])))
        // value semantics: changing a copy's axes leaves the original
        var copy = grid
        copy.axes[0] = .arange(0, 5, step: 1)
        #expect(grid.shape == [3, 3, 4] && copy.shape == [5, 3, 4])
    }

    @Test("Grid.gradient equals gradient(of:spacing:) with the grid's spacings")
    func gridGradientMatchesFreeFunction() throws {
        let grid = Grid(.arange(-1, 1.01, step: 0.25), try .coordinates([0, 0.1, 0.5, 0.7, 1.5]), .linspace(2, 3, count: 4))
        let f = grid.sample { x, y, z in x * x * y - z * y + x * z * z }
        for edgeOrder in [1, 2] {
            let viaGrid = try grid.gradient(of: f, edgeOrder: edgeOrder)
            let direct = try gradient(of: f, spacing: grid.spacing, edgeOrder: edgeOrder)
            #expect(viaGrid == direct)
            let sub = try grid.gradient(of: f, axes: [-1, 1], edgeOrder: edgeOrder)
            #expect(sub == [direct[2], direct[1]])
        }
    }

    // MARK: The seed field

    static func seedGrid() -> Grid {
        Grid(.arange(-100, 101, step: 25), .arange(-100, 101, step: 25), .arange(-100, 101, step: 25))
    }

    @Test("seed V = 2x² + 3y² - 4z: samples and gradient equal numpy's bitwise")
    func seedAgainstNumpy() throws {
        let seed = try Self.load().seed
        let grid = Self.seedGrid()
        #expect(grid.shape == seed.shape)
        let V: NDArray<Double> = grid.sample { x, y, z in 2 * x * x + 3 * y * y - 4 * z }
        expectBitwise(V, try NDArray(shape: seed.shape, scalars: seed.V.map(parseDouble)), "V")
        let viaGrid = try grid.gradient(of: V)
        let viaSpacing = try gradient(of: V, spacing: [25.0])
        #expect(viaGrid == viaSpacing)
        for k in 0..<3 {
            expectBitwise(viaGrid[k], try NDArray(shape: seed.shape, scalars: seed.gradient[k].map(parseDouble)), "dV/dx\(k)")
        }
    }

    @Test("seed V = 2x² + 3y² - 4z: gradient equals the analytic field (interior; everywhere with edge order 2)")
    func seedAgainstAnalytic() throws {
        let grid = Self.seedGrid()
        let h = 25.0
        let V: NDArray<Double> = grid.sample { x, y, z in 2 * x * x + 3 * y * y - 4 * z }
        let g1 = try grid.gradient(of: V)
        let g2 = try grid.gradient(of: V, edgeOrder: 2)
        let n = 9
        for flat in 0..<V.count {
            let i = V.multiIndex(ofFlatOffset: flat)
            let p = grid.point(at: i)
            let exact = [4 * p[0], 6 * p[1], -4.0]
            for k in 0..<3 {
                #expect(g2[k].scalars[flat] == exact[k], "edge order 2, component \(k) at \(i)")
                if i[k] > 0 && i[k] < n - 1 || k == 2 {
                    #expect(g1[k].scalars[flat] == exact[k], "edge order 1, component \(k) at \(i)")
                } else {
                    // one-sided first-order difference of a quadratic a t²: 2a t ± a h
                    let a = k == 0 ? 2.0 : 3.0
                    let edge = exact[k] + (i[k] == 0 ? a * h : -a * h)
                    #expect(g1[k].scalars[flat] == edge, "edge order 1 edge, component \(k) at \(i)")
                }
            }
        }
        // the electric field E = -∇V of the seed, as the doc comment of Grid writes it
        let E = try grid.gradient(of: V).map { $0.map { -$0 } }
        #expect(E[2].scalars.allSatisfy { $0 == 4 })
        #expect(E[0][4, 0, 0] == 0 && E[1][0, 6, 0] == -6 * 50)
    }
}

import Foundation
import Nabla
import NablaVerification
import Testing

@Suite("Convergence studies")
struct ConvergenceStudyTests {
    @Test("synthetic errors e = C·hᵖ: exact slope, constant and pairwise orders")
    func synthetic() throws {
        let steps = [0.1, 0.05, 0.025, 0.0125]
        let study = try ConvergenceStudy(steps: steps, errors: steps.map { 3 * pow($0, 2.5) }, expectedOrder: 2.5)
        #expect(abs(study.observedOrder - 2.5) < 1e-12)
        #expect(abs(study.constant - 3) < 1e-10)
        #expect(study.levels[0].order == nil)
        for level in study.levels.dropFirst() { #expect(abs(level.order! - 2.5) < 1e-12) }
        #expect(study.isConsistent())
        #expect(!study.isConsistent(withOrder: 2))
        // Least squares, not the last pair: noisy errors whose pairwise orders are 1 and 3 fit 2.
        let noisy = try ConvergenceStudy(steps: [1, 0.5, 0.25], errors: [1, 0.5, 0.0625])
        #expect(abs(noisy.observedOrder - 2) < 1e-12)
        #expect(abs(noisy.levels[1].order! - 1) < 1e-12 && abs(noisy.levels[2].order! - 3) < 1e-12)
    }

    @Test("resolutions and a measuring closure")
    func measured() throws {
        let study = try ConvergenceStudy(resolutions: [10, 20, 40]) { n in (1.0 / Double(n), 5 / Double(n * n)) }
        #expect(abs(study.observedOrder - 2) < 1e-12)
        #expect(study.levels.map(\.points) == [10, 20, 40])
        let text = "\(study)"
        #expect(text.hasPrefix("observed order 2.000"))
        #expect(text.contains("      20  5.000e-02    1.250e-02    2.000"))
    }

    @Test("bad studies are refused with a message naming the level")
    func errors() throws {
        #expect(throws: NablaError.self) { try ConvergenceStudy(steps: [0.1], errors: [1]) }
        #expect(throws: NablaError.self) { try ConvergenceStudy(steps: [0.1, 0.1], errors: [1, 2]) }
        #expect(throws: NablaError.self) { try ConvergenceStudy(steps: [0.1, 0.05], errors: [1]) }
        do {
            _ = try ConvergenceStudy(steps: [0.1, 0.05], errors: [1e-3, 0])
            Issue.record("an exact level should be refused")
        } catch {
            #expect("\(error)".contains("level 1") && "\(error)".contains("exact"))
        }
    }

    static let bounded = [16, 32, 64, 128].map { Grid(.linspace(-1, 2, count: $0)) }
    static let periodic = [16, 32, 64, 128].map { Grid(.periodic(period: 2 * .pi, count: $0)) }

    @Test("a real derivative: order 2 and 4 observed within ±0.2", arguments: [2, 4])
    func realDerivative(accuracy: Int) throws {
        let f = { (x: Double) in sin(2 * x) * exp(x / 3) }
        let df = { (x: Double) in exp(x / 3) * (2 * cos(2 * x) + sin(2 * x) / 3) }
        let study = try ConvergenceStudy.derivative(of: f, exact: df, on: Self.bounded, accuracy: accuracy)
        #expect(study.expectedOrder == Double(accuracy))
        #expect(study.isConsistent(), "\(study)")
        #expect(abs(study.observedOrder - Double(accuracy)) <= 0.2, "\(study)")

        // Periodic, along axis 1 of a 2-D grid, in the RMS norm.
        let grids = [16, 32, 64, 128].map { Grid(.linspace(0, 1, count: 5), .periodic(period: 2 * .pi, count: $0)) }
        let p = try ConvergenceStudy.derivative(of: { x in x[0] + exp(sin(x[1] + 1)) }, exact: { x in cos(x[1] + 1) * exp(sin(x[1] + 1)) },
                                                on: grids, axis: 1, accuracy: accuracy, norm: .rms)
        #expect(abs(p.observedOrder - Double(accuracy)) <= 0.2, "\(p)")
    }

    @Test("second derivative, periodic flag, Float, and numpy's first-order edges")
    func settings() throws {
        let grids = [32, 64, 128, 256].map { Grid(.linspace(0, 2 * .pi, count: $0 + 1)) }.map { g in
            Grid(GridAxis(start: 0, step: g.axes[0].uniformStep!, count: g.shape[0] - 1))
        }
        // The axis is marked periodic only by the flag.
        let second = try ConvergenceStudy.derivative(of: { x in sin(x) }, exact: { x in -sin(x) }, on: grids, order: 2,
                                                     accuracy: 4, periodic: true)
        #expect(abs(second.observedOrder - 4) <= 0.2, "\(second)")
        let float = try ConvergenceStudy.derivative(of: { x in sin(x) }, exact: { x in cos(x) }, on: Array(grids.prefix(3)),
                                                    periodic: true, as: Float.self)
        #expect(abs(float.observedOrder - 2) <= 0.2, "\(float)")
        // numpy's edge_order=1: the edges are first order, the interior second.
        let f = { (x: Double) in exp(x) }
        let edges = try ConvergenceStudy.derivative(of: f, exact: f, on: Self.bounded, edgeOrder: 1, region: .edge)
        let interior = try ConvergenceStudy.derivative(of: f, exact: f, on: Self.bounded, edgeOrder: 1, region: .interior)
        #expect(abs(edges.observedOrder - 1) <= 0.2, "\(edges)")
        #expect(abs(interior.observedOrder - 2) <= 0.2, "\(interior)")
    }
}

import Foundation
import Testing

/// `--help` documents every option, with examples.
@Suite("nabla --help (CLI)")
struct HelpCLITests {
    @Test("nabla --help lists every subcommand and has an example")
    func topLevel() throws {
        let box = try Sandbox()
        let result = try box.run(["--help"])
        #expect(result.status == 0, "\(result)")
        for word in ["gradient", "laplacian", "divergence", "curl", "Example", "--version"] {
            #expect(result.stdout.contains(word), "nabla --help should mention \(word):\n\(result.stdout)")
        }
        #expect(result.stdout.contains("nabla gradient "), "an example invoking nabla gradient")
    }

    @Test("nabla gradient --help documents every option with an example")
    func gradient() throws {
        let box = try Sandbox()
        let result = try box.run(["gradient", "--help"])
        #expect(result.status == 0, "\(result)")
        for option in ["--spacing", "--axis", "--edge-order", "--accuracy", "--derivative", "--periodic",
                       "--periodic-axis", "--key", "-o", "Example", "axis0", ".npz", ".npy"] {
            #expect(result.stdout.contains(option), "nabla gradient --help should mention \(option):\n\(result.stdout)")
        }
        for example in ["--spacing x.npy", "--key", "--axis -1"] {
            #expect(result.stdout.contains(example), "an example using \(example)")
        }
    }

    @Test("help of laplacian, divergence and curl", arguments: [
        ("laplacian", ["--spacing", "--accuracy", "--periodic", "--periodic-axis", "--key", "-o", "Example"]),
        ("divergence", ["--spacing", "--accuracy", "--edge-order", "--periodic", "-o", "Example", "axis0"]),
        ("curl", ["--spacing", "--accuracy", "--edge-order", "--periodic", "-o", "Example", "axis0", "curl"]),
    ])
    func subcommands(_ command: String, _ words: [String]) throws {
        let box = try Sandbox()
        let result = try box.run([command, "--help"])
        #expect(result.status == 0, "\(result)")
        for word in words {
            #expect(result.stdout.contains(word), "nabla \(command) --help should mention \(word):\n\(result.stdout)")
        }
    }

    @Test("nabla help gradient works too, and --version prints one")
    func helpSubcommand() throws {
        let box = try Sandbox()
        let help = try box.run(["help", "gradient"])
        #expect(help.status == 0, "\(help)")
        #expect(help.stdout.contains("--spacing"))
        let version = try box.run(["--version"])
        #expect(version.status == 0, "\(version)")
        #expect(!version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }
}

/// An error of a file-level job. Its description is one line that names the file, the offending value
/// and what was expected; the `nabla` tool prints it as `nabla: error: <description>`.
package struct PipelineError: Error, CustomStringConvertible, Sendable {
    /// The one-line message.
    package var description: String

    /// An error with this message.
    package init(_ description: String) { self.description = description }

    /// Wraps any error with the file it concerns (unless its message already starts with that file).
    static func wrap(_ error: any Error, file: String) -> PipelineError {
        if let e = error as? PipelineError { return e }
        let text = "\(error)"
        if text.hasPrefix(file + ":") { return PipelineError(text) }
        return PipelineError("\(file): \(text)")
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Nabla
import Testing
@testable import NablaPictures

/// The three output formats: what the bytes are, checked from outside.
@Suite struct FormatTests {
    static func convergence(title: String = "Convergence") -> ConvergencePlot {
        var plot = ConvergencePlot(series: ConvergencePlotTests.synthetic())
        plot.title = title
        plot.referenceSlopes = [2, 4]
        return plot
    }

    @Test func pngHasTheSignatureAndTheRequestedSize() throws {
        var plot = Self.convergence()
        plot.width = 640
        plot.height = 360
        let png = try plot.render(as: .png)
        let chunks = try pngChunks(png)
        #expect(chunks.first?.type == "IHDR")
        #expect(chunks.last?.type == "IEND")
        let ihdr = try #require(chunks.first?.data)
        #expect(bigEndian32(ihdr[0..<4]) == 640 && bigEndian32(ihdr[4..<8]) == 360)
        #expect(ihdr[8] == 8 && ihdr[9] == 2)   // 8-bit RGB
        let picture = try Picture(png: png)
        #expect(picture.width == 640 && picture.height == 360)
        #expect(picture[0, 0] == .white && picture[639, 359] == .white)
    }

    @Test func decodingSomethingElseThrows() {
        #expect(throws: PictureError.self) { try DrawingContext.decodePNG(Array("not a PNG".utf8)) }
        #expect(throws: PictureError.self) { try DrawingContext.decodePNG([]) }
    }

    /// cairo 1.16 writes SVG text as glyph outlines: a `<symbol id="glyphF-G">` per glyph of each font,
    /// and a `<use xlink:href="#glyphF-G" x= y=>` per character drawn (spaces included).
    @Test func svgIsWellFormedAndSpellsTheTitle() throws {
        let title = "Convergence of d/dx sin(x)"
        let svg = try Self.convergence(title: title).render(as: .svg)
        let parser = XMLParser(data: Data(svg))
        let collector = SVGCollector()
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        #expect(collector.root == "svg")
        #expect(collector.rootAttributes["width"] == "800pt" && collector.rootAttributes["height"] == "640pt")
        #expect(collector.rootAttributes["viewBox"] == "0 0 800 640")
        // The title is drawn last: the last glyph uses, one per character, on one baseline near the top.
        let uses = collector.uses
        try #require(uses.count > title.count)
        let titleUses = Array(uses.suffix(title.count))
        #expect(Set(titleUses.map(\.y)).count == 1)
        #expect(titleUses[0].y < 40)
        #expect(zip(titleUses, titleUses.dropFirst()).allSatisfy { $0.x < $1.x })
        // Equal characters use the same glyph, different characters different glyphs.
        let characters = Array(title)
        for i in characters.indices {
            for j in characters.indices where j > i {
                #expect((characters[i] == characters[j]) == (titleUses[i].glyph == titleUses[j].glyph), "\(characters[i]) \(characters[j])")
            }
        }
        // Every used glyph is defined.
        #expect(Set(uses.map(\.glyph)).isSubset(of: collector.symbols))
        // The title's glyphs are bold: a font of their own, used nowhere else.
        let titleFont = try #require(titleUses[0].glyph.split(separator: "-").first)
        #expect(uses.dropLast(title.count).allSatisfy { !$0.glyph.hasPrefix(titleFont + "-") })
    }

    @Test func svgEmbedsTheColourImage() throws {
        let d = dipole()
        let plot = try FieldSlicePlot(magnitude: d.magnitude, x: d.x, y: d.y)
        let svg = try plot.render(as: .svg)
        keep(svg, as: "dipole.svg")
        let collector = SVGCollector()
        let parser = XMLParser(data: Data(svg))
        parser.delegate = collector
        #expect(parser.parse())
        #expect(collector.images.contains { $0.hasPrefix("data:image/png;base64,") })
    }

    @Test func pdfIsAOnePageDocumentTitledLikeThePlot() throws {
        let pdf = try Self.convergence(title: "Convergence of d/dx sin(x)").render(as: .pdf)
        keep(pdf, as: "convergence.pdf")
        let text = String(decoding: pdf, as: UTF8.self)
        #expect(text.hasPrefix("%PDF-1."))
        #expect(text.hasSuffix("%%EOF\n"))
        // cairo writes the title as a literal string, or as UTF-16BE hex once it needs escaping.
        let title = "Convergence of d/dx sin(x)"
        let hex = "FEFF" + title.utf16.map { String(format: "%04X", $0) }.joined()
        #expect(text.contains("/Title <\(hex)>") || text.contains("/Title (\(title))"))
        #expect(text.contains("/Count 1"))
        #expect(text.contains("/MediaBox [ 0 0 800 640 ]"))
    }

    @Test func pngRenderingIsRepeatable() throws {
        let plot = Self.convergence()
        #expect(try plot.render(as: .png) == plot.render(as: .png))
        // SVG and PDF are not byte-for-byte repeatable: cairo numbers their images and fonts with
        // process-wide counters, and PDF records its creation date.
    }

    @Test func formatNames() {
        #expect(PictureFormat.allCases.map(\.fileExtension) == ["png", "svg", "pdf"])
        #expect(PictureFormat(rawValue: "svg") == .svg)
        #expect(PictureFormat.pdf.mimeType == "application/pdf")
    }
}

/// Collects what the tests check in an SVG.
final class SVGCollector: NSObject, XMLParserDelegate {
    var root: String?
    var rootAttributes: [String: String] = [:]
    var symbols: Set<String> = []
    var uses: [(glyph: String, x: Double, y: Double)] = []
    var images: [String] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name; rootAttributes = attributes }
        switch name {
        case "symbol": if let id = attributes["id"] { symbols.insert(id) }
        case "use":
            if let href = attributes["xlink:href"], href.hasPrefix("#glyph"),
               let x = attributes["x"].flatMap(Double.init), let y = attributes["y"].flatMap(Double.init) {
                uses.append((String(href.dropFirst()), x, y))
            }
        case "image": if let href = attributes["xlink:href"] { images.append(href) }
        default: break
        }
    }
}

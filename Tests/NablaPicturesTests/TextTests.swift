import Testing
@testable import NablaPictures

@Suite struct TextTests {
    /// Draws `text` with its box's top-left corner at (10, 10) and returns which pixels are dark.
    func ink(_ text: String, scale: Int = 1) -> (Canvas, (Int, Int) -> Bool) {
        var c = Canvas(width: 80, height: 60)
        c.drawText(text, at: [10, 10], color: .black, scale: scale)
        let copy = c
        return (c, { x, y in copy[x, y] == .black })
    }

    @Test func capitalAMatchesTheFontBitmap() {
        // "A" in misc-fixed 6×13, rows 2…10: 20 50 88 88 88 F8 88 88 88.
        let expected = ["..#..", ".#.#.", "#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]
        let (_, on) = ink("A")
        for (r, row) in expected.enumerated() {
            for (col, ch) in row.enumerated() {
                #expect(on(10 + col, 10 + r) == (ch == "#"), "row \(r) column \(col)")
            }
        }
        #expect(!on(10, 9) && !on(10, 19))
    }

    @Test func digitsAndDescenders() {
        // "1": 20 60 A0 20 20 20 20 20 F8 — the foot is five pixels wide.
        let (_, on) = ink("1")
        #expect((10...14).allSatisfy { on($0, 18) })
        #expect(on(12, 10))
        // "g" has a descender below the baseline (rows 11, 12 → y = 19, 20).
        let (_, g) = ink("g")
        #expect(g(11, 20) || g(12, 20))
    }

    @Test func textSizeIsGlyphsByCapitalHeight() {
        #expect(Canvas.textSize("AB") == (11, 9))
        #expect(Canvas.textSize("AB", scale: 2) == (22, 18))
        #expect(Canvas.textSize("") == (0, 0))
    }

    @Test func anchorsPlaceTheBox() {
        var c = Canvas(width: 60, height: 40)
        c.drawText("I", at: [30, 20], color: .black, anchor: .center)
        // "I" = 70 20 20 … 70: the stem is column 2 of the glyph; box 5 wide → centred stem at x = 30.
        #expect(c[30, 20] == .black)
        var r = Canvas(width: 60, height: 40)
        r.drawText("I", at: [30, 20], color: .black, anchor: .bottomRight)
        #expect(r[27, 19] == .black)   // the stem, box from x 25 to 30, rows 11…19
        #expect(r[27, 20] == .white)
    }

    @Test func rotatedTextReadsUpwards() {
        var c = Canvas(width: 40, height: 40)
        c.drawText("L", at: [10, 30], color: .black, rotated: true)
        // "L" stem (column 0, rows 2…10) becomes a horizontal run at the box's top row; its foot
        // (row 10, columns 0…4) a vertical run going up at the right.
        #expect((10...18).allSatisfy { c[$0, 30] == .black })
        #expect((26...30).allSatisfy { c[18, $0] == .black })
    }

    @Test func superscriptsAreRaised() {
        #expect(TextMask.runs("10^{-3}").map { String($0.text) } == ["10", "-3"])
        #expect(TextMask.runs("10^{-3}").map(\.isSuperscript) == [false, true])
        var plain = Canvas(width: 60, height: 40), raised = Canvas(width: 60, height: 40)
        plain.drawText("103", at: [5, 20], color: .black)
        raised.drawText("10^{3}", at: [5, 20], color: .black)
        func top(_ c: Canvas, columns: Range<Int>) -> Int {
            for y in 0..<40 where columns.contains(where: { c[$0, y] == .black }) { return y }
            return 40
        }
        #expect(top(raised, columns: 17..<23) < top(plain, columns: 17..<23) - 3)
    }

    @Test func unknownCharactersShowAsABoxAndExtrasExist() {
        #expect(BitmapFont.hasGlyph("²") && BitmapFont.hasGlyph("−") && BitmapFont.hasGlyph("·") && BitmapFont.hasGlyph("∇"))
        #expect(!BitmapFont.hasGlyph("€"))
        #expect(Array(BitmapFont.rows(of: "€")) == [0, 0, 0xA8, 0, 0x88, 0, 0x88, 0, 0x88, 0, 0xA8, 0, 0])
        #expect(Array(BitmapFont.rows(of: "²"))[1...5] == [0x40, 0xA0, 0x20, 0x40, 0xE0])
    }

    @Test func scaleTwoIsSmoothedButKeepsStems() {
        let (c, on) = ink("I", scale: 2)
        // The stem of "I" (font column 2) covers columns 14, 15 at scale 2.
        #expect((0..<18).allSatisfy { on(14, 10 + $0) && on(15, 10 + $0) })
        #expect(c.isOpaque)
    }
}

@Suite struct FontSpecimen {
    /// Every glyph at scales 1, 2 and 3, written for people to look at.
    @Test func specimen() throws {
        var c = Canvas(width: 760, height: 330)
        let ascii = String((32...126).map { Character(UnicodeScalar(UInt8($0))) })
        let lines = [String(ascii.prefix(48)), String(ascii.dropFirst(48)), "° ± ² ³ µ · ¹ − × ∇ Δ ∞ € |E| 10^{-3} h^{4}"]
        var y = 12.0
        for (k, line) in lines.enumerated() {
            c.drawText(line, at: [10, y], color: .black)
            y += 22
            if k == 2 { break }
        }
        c.drawText("Scale 2: |E| of a dipole, 10^{-5} g y p", at: [10, y + 10], color: .black, scale: 2)
        c.drawText("Scale 3: Nabla 0.25", at: [10, y + 60], color: .black, scale: 3)
        c.drawText("rotated", at: [720, 300], color: .black, scale: 2, rotated: true)
        try c.writePNG(to: pictureFolder + "/font.png")
    }
}

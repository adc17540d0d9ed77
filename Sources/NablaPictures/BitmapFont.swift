/// The bitmap font of NablaPictures: "Fixed" 6×13 (misc-fixed `-Misc-Fixed-Medium-R-SemiCondensed--13-…`
/// from X11, by Markus Kuhn et al., public domain: "Public domain font. Share and enjoy.").
///
/// Each glyph is 13 rows of 6 pixels; a row is one byte whose most significant bit is the leftmost
/// pixel. Rows 0–10 are above the baseline (capitals occupy rows 2–10), rows 11–12 hold descenders.
/// ASCII 32–126 and the Latin-1 symbols are the font's own; `−` (U+2212), `×`, `∇`, `Δ`, `∞` are drawn in the
/// same style for plot labels.
enum BitmapFont {
    /// Glyph cell width (the advance) in pixels at scale 1.
    static let advance = 6
    /// Glyph cell height in pixels at scale 1.
    static let cellHeight = 13
    /// First row of capitals and digits.
    static let capTop = 2
    /// Row just below the baseline.
    static let baseline = 11

    /// The 13 rows of `character`, or of the replacement box when the font lacks it.
    static func rows(of character: Character) -> ArraySlice<UInt8> {
        let index: Int
        if let ascii = character.asciiValue, (32...126).contains(ascii) {
            index = Int(ascii) - 32
        } else if let extra = extras[character] {
            index = 95 + extra
        } else {
            index = 95 + extras.count
        }
        return glyphs[(index * 13)..<(index * 13 + 13)]
    }

    /// Whether the font has a glyph for `character` (otherwise a box is drawn).
    static func hasGlyph(_ character: Character) -> Bool {
        if let ascii = character.asciiValue { return (32...126).contains(ascii) }
        return extras[character] != nil
    }

    /// Glyphs after ASCII 126, in the order they follow in `hex`.
    private static let extras: [Character: Int] = [
        "°": 0, "±": 1, "²": 2, "³": 3, "µ": 4, "·": 5, "¹": 6, "−": 7, "×": 8, "∇": 9, "Δ": 10, "∞": 11,
    ]

    private static let glyphs: [UInt8] = {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count * 13)
        for line in hex {
            let chars = Array(line.utf8)
            precondition(chars.count == 26, "font row string must have 26 hex digits: \(line)")
            for k in stride(from: 0, to: 26, by: 2) {
                bytes.append(UInt8(value(chars[k]) << 4 | value(chars[k + 1])))
            }
        }
        return bytes
    }()

    private static func value(_ c: UInt8) -> Int {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
        default: Int(c - UInt8(ascii: "A")) + 10
        }
    }

    /// One line of 13 row bytes per glyph, ASCII 32–126, then the extras, then the replacement box.
    private static let hex: [String] = [
        "00000000000000000000000000", // space
        "00002020202020202000200000", // !
        "00005050500000000000000000", // "
        "0000005050F850F85050000000", // #
        "00002078A0A0702828F0200000", // $
        "000048A85010204050A8900000", // %
        "00000040A0A040A09890680000", // &
        "00002020200000000000000000", // '
        "00102020404040404020201000", // (
        "00402020101010101020204000", // )
        "000020A870A820000000000000", // *
        "000000002020F8202000000000", // +
        "00000000000000000030204000", // ,
        "000000000000F8000000000000", // -
        "00000000000000000020702000", // .
        "00000808101020404080800000", // /
        "00002050888888888850200000", // 0
        "00002060A02020202020F80000", // 1
        "00007088880810204080F80000", // 2
        "0000F808102070080888700000", // 3
        "0000101030505090F810100000", // 4
        "0000F88080B0C8080888700000", // 5
        "000070888080F0888888700000", // 6
        "0000F808101020204040400000", // 7
        "00007088888870888888700000", // 8
        "00007088888878080888700000", // 9
        "00000000207020000020702000", // :
        "00000000207020000030204000", // ;
        "00000810204080402010080000", // <
        "0000000000F80000F800000000", // =
        "00008040201008102040800000", // >
        "00007088880810202000200000", // ?
        "000070888898A8A8B080780000", // @
        "00002050888888F88888880000", // A
        "0000F048484870484848F00000", // B
        "00007088808080808088700000", // C
        "0000F048484848484848F00000", // D
        "0000F8808080F0808080F80000", // E
        "0000F8808080F0808080800000", // F
        "00007088808080988888700000", // G
        "000088888888F8888888880000", // H
        "00007020202020202020700000", // I
        "00003810101010101090600000", // J
        "0000888890A0C0A09088880000", // K
        "00008080808080808080F80000", // L
        "00008888D8A8A8888888880000", // M
        "000088C8C8A8A8989888880000", // N
        "00007088888888888888700000", // O
        "0000F0888888F0808080800000", // P
        "000070888888888888A8700800", // Q
        "0000F0888888F0A09088880000", // R
        "00007088808070080888700000", // S
        "0000F820202020202020200000", // T
        "00008888888888888888700000", // U
        "00008888888850505020200000", // V
        "000088888888A8A8A8A8500000", // W
        "00008888505020505088880000", // X
        "00008888505020202020200000", // Y
        "0000F808101020404080F80000", // Z
        "00704040404040404040407000", // [
        "00008080404020101008080000", // backslash
        "00701010101010101010107000", // ]
        "00002050880000000000000000", // ^
        "0000000000000000000000F800", // _
        "00201000000000000000000000", // `
        "00000000007008788898680000", // a
        "0000808080F088888888F00000", // b
        "00000000007088808088700000", // c
        "00000808087888888888780000", // d
        "00000000007088F88088700000", // e
        "000030484040F0404040400000", // f
        "00000000007088888878088870", // g
        "0000808080B0C8888888880000", // h
        "00000020006020202020700000", // i
        "00000010003010101010909060", // j
        "000080808090A0C0A090880000", // k
        "00006020202020202020700000", // l
        "0000000000D0A8A8A8A8880000", // m
        "0000000000B0C8888888880000", // n
        "00000000007088888888700000", // o
        "0000000000F0888888F0808080", // p
        "00000000007888888878080808", // q
        "0000000000B0C8808080800000", // r
        "00000000007088601088700000", // s
        "0000004040F040404048300000", // t
        "00000000008888888898680000", // u
        "00000000008888885050200000", // v
        "00000000008888A8A8A8500000", // w
        "00000000008850202050880000", // x
        "00000000008888889868088870", // y
        "0000000000F810204080F80000", // z
        "001820202020C0202020201800", // {
        "00002020202020202020200000", // |
        "00C0202020201820202020C000", // }
        "000048A8900000000000000000", // ~
        // Extras.
        "00003048483000000000000000", // °
        "0000002020F8202000F8000000", // ±
        "0040A02040E000000000000000", // ²
        "0040A04020C000000000000000", // ³
        "00000000008888888898E88080", // µ
        "00000000000030000000000000", // ·
        "0040C04040E000000000000000", // ¹
        "000000000000F8000000000000", // − (minus)
        "00000000885020508800000000", // ×
        "0000F888888850505020200000", // ∇
        "00002020505050888888F80000", // Δ
        "000000000050A8A85000000000", // ∞
        // Replacement box (the font's char 0).
        "0000A800880088008800A80000",
    ]
}

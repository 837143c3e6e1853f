import Foundation
import Testing
@testable import HotlineAPI
import HotlineCore

@Suite struct EncodingTests {
    struct Sample: Encodable {
        var kbEntryId = "1", myURLProperty = 2, aB = true, x2Y = "", already_snake = 3, _leading = 4, trailing_ = 5
        var nested = ["someKey": [["innerValue": 1]]]
        var list = [Inner(), Inner()]
        struct Inner: Encodable { var deadlineAt = "x", slaPolicyCode: String? = nil }
    }

    /// The cached conversion writes what JSONEncoder's `convertToSnakeCase` writes, every time.
    @Test func snakeCaseKeysAreTheEncodersOwn() throws {
        let reference = JSONEncoder()
        reference.keyEncodingStrategy = .convertToSnakeCase
        reference.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try reference.encode(Sample())
        for _ in 0..<3 { #expect(try APIEncoder.data(Sample()) == expected) }
        #expect(String(decoding: expected, as: UTF8.self).contains(#""my_url_property":2"#))
    }
}

/// `ResponseJSON` writes what Foundation's JSONEncoder writes with the service's settings, byte
/// for byte, on the shapes Codable allows (debug builds also compare every answer the other tests read).
@Suite struct ResponseJSONTests {
    struct Everything: Encodable {
        var text = "引号\" 反斜杠\\ 斜杠/ 换行\n 回车\r 制表\t 退格\u{8} 换页\u{C} 控制\u{1} \u{1F} 删除\u{7F} 😀 é"
        var integers: [Int] = [0, -1, Int.max, Int.min]
        var small: Int8 = -8, unsigned: UInt64 = UInt64.max, u16: UInt16 = 7
        var doubles: [Double] = [0, -0.0, 1, 0.1, 0.45, 2.0 / 3.0, 1e16, 1e20, 1e21, 1.5e-7, 123456789012345680, Double.leastNonzeroMagnitude, -2.5]
        var float: Float = 0.1
        var flags = [true, false]
        var when = Date(timeIntervalSince1970: 1_764_000_000.25)
        var whenever: Date? = Date(timeIntervalSince1970: 0)
        var never: Date? = nil
        var link = URL(string: "https://example.org/a/b?c=d")!
        var blob = Data([0, 1, 2, 250])
        var amount = Decimal(string: "12.50")!
        var ownKeys = ["camelCase": 1, "snake_case": 2, "B": 3, "a10": 4, "a2": 5, "é": 6, "": 7]
        var intKeys = [2: "two", 10: "ten"]
        var nestedDictionary: [String: Inner] = ["someKey": Inner()]
        var optionalDictionary: [String: String]? = ["someKey": "v"]
        var empty = Nothing()
        var emptyList: [Inner] = []
        var inners = [Inner(), Inner(value: nil)]
        var custom = Custom()
        var nilOptional: String? = nil
    }
    struct Inner: Encodable { var deadlineAt = "x", value: Int? = 3, URLValue = "u" }
    struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
    /// Nested containers, a second keyed container, a key written twice, explicit nulls, super encoders.
    struct Custom: Encodable {
        enum K: String, CodingKey { case someThing, other, list, again, sub }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(1, forKey: .someThing)
            var n = c.nestedContainer(keyedBy: K.self, forKey: .other)
            try n.encodeNil(forKey: .someThing)
            var u = c.nestedUnkeyedContainer(forKey: .list)
            try u.encode("a"); try u.encodeNil(); try u.encode(Inner())
            var uu = u.nestedUnkeyedContainer(); try uu.encode(1.5)
            var uk = u.nestedContainer(keyedBy: K.self); try uk.encode(false, forKey: .again)
            try n.encode("late", forKey: .again)
            var c2 = encoder.container(keyedBy: K.self)
            try c2.encode(2, forKey: .someThing)
            try Inner().encode(to: c2.superEncoder(forKey: .sub))
            try Inner().encode(to: c2.superEncoder())
        }
    }

    func same(_ value: some Encodable, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let mine = Data(try ResponseJSON.encode(value))
        let reference = try APIEncoder.foundationData(value)
        #expect(mine == reference, "\(String(decoding: mine, as: UTF8.self))\n\(String(decoding: reference, as: UTF8.self))", sourceLocation: sourceLocation)
    }

    @Test func everyShapeIsWrittenAsJSONEncoderWritesIt() throws {
        try same(Everything())
        try same([Everything(), Everything()])
        try same("a top-level string")
        try same(42)
        try same([String: Int]())
        try same(Everything().inners)
        // Values the service really answers with.
        try same(APIError.Body(type: "about:blank", title: "Bad request", status: 400, detail: "d", errors: [FieldError("title", "is required")],
                               requestId: nil, currentStatus: "registered", allowedVerbs: []))
    }

    @Test func whatJSONEncoderRefusesIsRefused() {
        #expect(throws: EncodingError.self) { try ResponseJSON.encode(Double.nan) }
        #expect(throws: EncodingError.self) { try ResponseJSON.encode([Double.infinity]) }
        #expect(throws: EncodingError.self) { try ResponseJSON.encode(Nothing()) }
        #expect(throws: (any Error).self) { try APIEncoder.foundationData(Nothing()) }
    }
}

import Foundation
import Testing
@testable import HotlineAPI

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

import Testing
@testable import HotlineCore

@Suite struct CSVReaderTests {
    @Test func quotedFieldsCommasNewlinesAndBOM() {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"multi\nline\",z\n"
        let (records, error) = CSVReader.parse(text)
        #expect(error == nil)
        #expect(records.count == 3)
        #expect(records[0].fields == ["a", "b", "c"])
        #expect(records[1].fields == ["1", "x, y", "say \"hi\""])
        #expect(records[2].fields == ["2", "multi\nline", "z"])
        #expect(records.map(\.line) == [1, 2, 3])
    }

    @Test func lineNumbersCountPhysicalLinesAndSkipBlankOnes() {
        let text = "h1,h2\n\"a\nb\",1\n\nc,2"
        let (records, error) = CSVReader.parse(text)
        #expect(error == nil)
        #expect(records.map(\.line) == [1, 2, 5])
        #expect(records[2].fields == ["c", "2"])
    }

    @Test func unterminatedQuoteIsAnErrorAtItsLine() {
        let (records, error) = CSVReader.parse("a,b\n1,\"oops\n2,3\n")
        #expect(records.count == 1)
        #expect(error == CSVError(line: 2, message: "unterminated quoted field"))
    }

    @Test func textAfterClosingQuoteIsAnError() {
        let (_, error) = CSVReader.parse("a\n\"x\"y\n")
        #expect(error?.line == 2)
    }

    @Test func tableRequiresHeaderColumnsAndPadsShortRows() throws {
        #expect(throws: ValidationFailure.self) { try CSVTable(text: "code\nx", required: ["code", "name"]) }
        #expect(throws: ValidationFailure.self) { try CSVTable(text: "", required: ["code"]) }
        let t = try CSVTable(text: "code,name\nA", required: ["code", "name"])
        #expect(t.values(t.rows[0]) == ["code": "A", "name": ""])
    }
}

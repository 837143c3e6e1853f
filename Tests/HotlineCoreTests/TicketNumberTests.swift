import Testing
@testable import HotlineCore

@Suite struct TicketNumberTests {
    let day = LocalDay(year: 2026, month: 11, day: 21)

    @Test func fiveDigitSequence() {
        #expect(TicketNumber.make(day: day, sequence: 42) == "2026112100042")
        #expect(TicketNumber.make(day: day, sequence: 89_999) == "2026112189999")
    }

    @Test func busyDaysStillSortAfterEarlierNumbers() {
        let seqs = [1, 9, 10, 99, 89_999, 90_000, 90_001, 100_000, 999_999, 9_999_999]
        let numbers = seqs.map { TicketNumber.make(day: day, sequence: $0) }
        #expect(numbers == numbers.sorted())
        #expect(Set(numbers).count == numbers.count)
        #expect(TicketNumber.make(day: day, sequence: 90_000) == "2026112190090000")
        #expect(numbers.allSatisfy(TicketNumber.isWellFormed))
    }

    @Test func daysSortBeforeSequences() {
        let late = TicketNumber.make(day: day, sequence: 9_999_999)
        let next = TicketNumber.make(day: LocalDay(year: 2026, month: 11, day: 22), sequence: 1)
        #expect(late < next)
    }

    @Test func wellFormedness() {
        #expect(!TicketNumber.isWellFormed("20261121"))
        #expect(!TicketNumber.isWellFormed("202611210004x"))
        #expect(!TicketNumber.isWellFormed("2026112100042 "))
    }
}

import Foundation

/// Two-way linkage (国办发〔2022〕12号): what 110 (or another line a ticket was transferred to)
/// reports back.
extension TicketDecision {
    /// `handled` closes the ticket with 110's result; `not_ours` puts it back in the queue as
    /// `registered`, with 110's note, for the hotline to handle.
    func linkedResult(_ outcome: LinkedOutcome, _ note: String, _ handledAt: Date?, _ externalId: String?) throws(Refusal) -> TicketPlan {
        try checkState(.linkedResult)
        guard ctx.partnerReceived else { throw .forbidden("only the partner this ticket was transferred to reports its result") }
        var payload = ["outcome": outcome.rawValue, "note": note]
        if let externalId { payload["external_id"] = externalId }
        if let handledAt { payload["handled_at"] = format(handledAt) }
        switch outcome {
        case .handled:
            var p = plan(.linkedResult, to: .closed, payload)
            p.outcome = ["linked_result": outcome.rawValue, "linked_note": note]
            p.closed = ("linked_result", handledAt.map { min($0, now) } ?? now)
            p.partnerExternalId = externalId
            return p
        case .notOurs:
            var p = plan(.linkedResult, to: .registered, payload)
            p.outcome = ["linked_result": outcome.rawValue, "linked_note": note]
            p.partnerExternalId = externalId
            return p
        }
    }
}

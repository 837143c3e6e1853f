import ArgumentParser
import Foundation
import HotlineCommandLine
import HotlineCore
import HotlineStore

/// `hotline relevance`: how well search finds what callers mean on this database's knowledge
/// base — hit@1 and hit@3 over a CSV of caller-style queries and the entry code each should find.
/// KB owners run it after editing entries or synonyms; with several values per parameter it
/// measures every combination (how the defaults in KnowledgeIndex.Parameters were chosen).
/// With `--learn calls.csv` (title,content,expected) it measures, then replays those calls as
/// direct answers (each entry learns its callers' words, as on the line), then measures again —
/// on the database it is given, which it changes: run it on a scratch copy (scripts/bench-relevance.sh).
struct Relevance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure KB search hit@1/hit@3 over a CSV of query,expected.")

    @Argument(help: "CSV with columns query,expected (entry code)")
    var queries: String
    @Option(help: "Field weights title,question,facets,answer[,learned]; several sets separated by ';'")
    var weights: String?
    @Option(help: "BM25 k1 values, comma-separated") var k1: String?
    @Option(help: "BM25 b values, comma-separated") var b: String?
    @Option(help: "Synonym term weights, comma-separated") var expansion: String?
    @Option(help: "Thesaurus term weights, comma-separated") var thesaurus: String?
    @Option(help: "Weights of the caller's single characters, comma-separated") var characters: String?
    @Option(help: "How many characters must meet in an entry no term matched, comma-separated") var charactersAlone: String?
    @Option(help: "Phrase-match weights, comma-separated") var phrase: String?
    @Option(help: "BM25 b of learned phrasings, comma-separated") var learnedB: String?
    @Option(help: "CSV of answered calls (title,content,expected) to replay between a cold and a learned measurement")
    var learn: String?
    @Flag(help: "Print the queries whose entry is not first.") var misses = false
    @Option(help: "Cut Han text into words with this dictionary (db/seed/segmentation/jieba-words.txt) instead of bigrams") var segmenter: String?

    func run() async throws {
        if let segmenter { ChineseText.segmenter = WordSegmenter(dictionary: try String(contentsOf: URL(fileURLWithPath: segmenter), encoding: .utf8)) }
        let set = try KnowledgeStore.relevanceSet(csv: try String(contentsOf: URL(fileURLWithPath: queries), encoding: .utf8))
        func list(_ s: String?, _ fallback: Double) throws -> [Double] {
            guard let s else { return [fallback] }
            return try s.split(separator: ",").map { guard let v = Double($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("not a number: \($0)") }; return v }
        }
        let base = KnowledgeIndex.Parameters()
        let weightSets = try weights.map { try $0.split(separator: ";").map { try list(String($0), 0) } } ?? [base.weights]
        guard weightSets.allSatisfy({ $0.count == 4 || $0.count == 5 }) else { throw ValidationError("--weights takes four or five numbers per set") }
        var grid: [KnowledgeIndex.Parameters] = []
        for w in weightSets { for k in try list(k1, base.k1) { for bb in try list(b, base.b) { for e in try list(expansion, Double(base.expansionWeight)) {
            for ph in try list(phrase, Double(base.phraseWeight)) { for lb in try list(learnedB, base.learnedB) {
                for th in try list(thesaurus, Double(base.thesaurusWeight)) { for ch in try list(characters, Double(base.characterWeight)) { for ca in try list(charactersAlone, Double(base.charactersAlone)) {
                    var p = base; p.characterWeight = Float(ch); p.charactersAlone = Int(ca); p.weights = w.count == 5 ? w : w + [base.weights[4]]; p.k1 = k; p.b = bb; p.expansionWeight = Float(e)
                    p.phraseWeight = Float(ph); p.learnedB = lb; p.thesaurusWeight = Float(th); grid.append(p)
                } } }
            } }
        } } } }
        let combinations = grid
        let config = try Config.fromEnvironment()
        let zone = try ServiceClockZone(identifier: config.timeZone)
        let calls = try learn.map { try KnowledgeStore.learningSet(csv: try String(contentsOf: URL(fileURLWithPath: $0), encoding: .utf8)) }
        try await withDatabase(config) { db in
            func measure(_ label: String) async throws {
                for p in combinations {
                    let kb = KnowledgeStore(db: Database(client: db.client, logger: db.logger, knowledgeIndex: KnowledgeIndexCache(parameters: p)), zone: zone)
                    let r = try await kb.relevance(set)
                    if misses {
                        for m in r.misses { print("  \(m.query) → want \(m.expected), got \(m.got.map { "\($0.entry.code) \($0.entry.title) \($0.score)" })") }
                    }
                    print(String(format: "%@weights %@ k1 %.2f b %.2f expansion %.2f thesaurus %.2f characters %.2f alone %ld phrase %.2f learned-b %.2f: %d queries, hit@1 = %.3f, hit@3 = %.3f",
                                 label, p.weights.map { String($0) }.joined(separator: ","), p.k1, p.b, Double(p.expansionWeight), Double(p.thesaurusWeight), Double(p.characterWeight), p.charactersAlone,
                                 Double(p.phraseWeight), p.learnedB, r.queries, r.atOne, r.atThree))
                }
            }
            guard let calls else { return try await measure("") }
            try await measure("cold: ")
            let (user, _) = try await UserStore(db: db).create(.init(login: "relevance-replay-\(UUID().uuidString.prefix(8))", displayName: "回放",
                                                                     role: .agent, unitId: nil))
            let agent = Principal(userId: Int64(user.id)!, login: user.login, role: .agent, unitId: nil)
            let taught = try await KnowledgeStore(db: db, zone: zone).replay(calls, agent: agent, tickets: TicketStore(db: db, zone: zone),
                                                                              workflow: TicketWorkflow(db: db, zone: zone, clock: SystemNow()))
            print("replayed \(taught) of \(calls.count) answered calls")
            try await measure("learned: ")
        }
    }
}

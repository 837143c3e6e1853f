import ArgumentParser
import Foundation
import HotlineCommandLine
import HotlineCore

/// `hotline-bench kb-index`: the knowledge-base index built in memory from N synthetic entries
/// (the words of `gen kb`, each with `--learned` learned phrasings), no database: how long the
/// build takes (what a process start or a full reload costs beside reading the rows) and how long
/// searches for the tuning queries take on it.
struct IndexBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kb-index",
                                                    abstract: "Time building the KB search index from N synthetic entries, and searching it.")
    @Option(help: "How many entries") var count: Int = 100_000
    @Option(help: "Learned phrasings per entry") var learned: Int = 0
    @Option(help: "CSV with a query column, searched once each after the build") var queries: String?
    @Option(help: "Random seed") var seed: UInt64 = 12345

    func run() async throws {
        let config = try Config.fromEnvironment()
        let vocabulary = try Vocabulary(seedDir: config.dbDirectory.appendingPathComponent("seed"))
        var rng = SplitMix(seed: seed)
        var docs: [KnowledgeIndex.Document] = []
        docs.reserveCapacity(count)
        for i in 0..<count {
            let keywords = (0..<3).map { _ in vocabulary.word(&rng) }.joined(separator: " ")
            let phrasings = (0..<learned).map { _ in vocabulary.phrase(&rng, words: 8...20) }.joined(separator: " ")
            docs.append(KnowledgeIndex.Document(
                id: Int64(i + 1), title: vocabulary.phrase(&rng, words: 3...6) + " " + keywords,
                question: vocabulary.phrase(&rng, words: 5...10), facets: vocabulary.categories[Int(rng.next() % UInt64(vocabulary.categories.count))],
                answer: vocabulary.phrase(&rng, words: 30...70), validFrom: nil, validTo: nil, learned: phrasings))
        }
        let started = ContinuousClock.now
        let index = KnowledgeIndex(documents: docs)
        let built = ContinuousClock.now - started
        print("built the index of \(index.count) entries (\(learned) learned phrasings each) in \(built): \(index.termCount) terms, \(index.postingCount) postings")
        guard let queries else { return }
        let set = try QueryColumn.read(csv: try String(contentsOf: URL(fileURLWithPath: queries), encoding: .utf8))
        var times: [Double] = []
        for _ in 0..<5 {
            for q in set {
                let t0 = ContinuousClock.now
                _ = index.search(terms: ChineseText.queryTerms(q), phrases: [q], today: "2026-12-01", limit: 10)
                let d = ContinuousClock.now - t0
                times.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
            }
        }
        times.sort()
        print(String(format: "%d searches: p50 %.2f ms, p95 %.2f ms, max %.2f ms (in memory, one thread)", times.count,
                     times[times.count / 2], times[times.count * 95 / 100], times.last ?? 0))
    }
}

/// The query column of a relevance CSV.
enum QueryColumn {
    static func read(csv: String) throws -> [String] {
        let table = try CSVTable(text: csv, required: ["query"])
        return table.rows.map { table.values($0)["query"]! }
    }
}

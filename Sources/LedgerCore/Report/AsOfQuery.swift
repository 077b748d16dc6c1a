/// Which retrain job was live for a model at a moment (`AsOfReport.rule`), from one report snapshot.
struct AsOfQuery {
    let reader: any ReportReader
    let loader: SwitchLoader
    /// The newest entry covered.
    let bound: Int64

    /// One answer per model: `model` alone, or every model a switch request names.
    func answer(at time: String, model: String?) throws -> [LiveModel] {
        let models = try model.map { [$0] } ?? reader.switchedModels(bound: bound)
        return try models.map { try liveModel($0, at: time) }
    }

    /// What was live for `model` at `time` (normal form), with the switches pending and in conflict then.
    func liveModel(_ model: String, at time: String) throws -> LiveModel {
        let store = loader.store
        var best: (request: LedgerEntry, completion: Int64)?
        var conflicts: [SwitchRecord] = []
        try reader.forEachSuccess(model: model, atOrBefore: time, bound: bound) { success in
            // A later request's success is recorded after that request, which comes after the best one's
            // request: once successes are older than the best request, nothing later can win.
            if let best, success.completedAt < best.request.recordedAt { return false }
            guard let refSeq = success.requestSeq, let request = try store.entry(seq: refSeq),
                request.kind == EntryKind.switchRequested, request.model == model
            else { return true }
            let first = try reader.firstCompletion(of: refSeq, bound: bound)
            guard first == success.completionSeq else {
                // A success recorded after another outcome: the ledger contradicts itself about this
                // switch. Shown as a conflict, never silently decided either way.
                if !conflicts.contains(where: { $0.requestSeq == refSeq }) {
                    conflicts.append(try loader.record(request: request, completion: try first.flatMap { try store.entry(seq: $0) }))
                }
                return true
            }
            if best.map({ request.seq > $0.request.seq }) ?? true { best = (request, success.completionSeq) }
            return true
        }
        let live = try best.map { try loader.record(request: $0.request, completion: try store.entry(seq: $0.completion)) }

        // Requests after the live one, at or before the moment, whose outcome was not yet recorded then.
        let rows = try reader.pendingRows(
            model: model, atOrBefore: time, after: (best?.request.recordedAt ?? "", best?.request.seq ?? 0), bound: bound)
        var firstCompletions: [PendingRow] = []
        for row in rows {
            if let last = firstCompletions.last, last.requestSeq == row.requestSeq {
                if let completion = row.completionSeq, last.completionSeq.map({ completion < $0 }) ?? true {
                    firstCompletions[firstCompletions.count - 1] = row
                }
                continue
            }
            firstCompletions.append(row)
        }
        let pending = try firstCompletions.filter { $0.completedAt.map { $0 > time } ?? true }.map {
            try loader.loadSwitch(request: $0.requestSeq, completion: $0.completionSeq)
        }
        var answer = LiveModel(model: model, live: live, pending: pending)
        // Later conflicts only: one older than the live switch does not change what is live.
        answer.conflicts = conflicts.filter { $0.requestSeq > (best?.request.seq ?? 0) }
        if let live, live.hasConflict { answer.conflicts.insert(live, at: 0) }
        return answer
    }
}

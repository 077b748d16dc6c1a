/// LedgerService: `ledger serve`, the ledger service that alone holds the keys.
public enum LedgerServiceModule {}

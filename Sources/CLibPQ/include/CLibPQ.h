// libpq, loaded on first use (dlopen of libpq.so.5) instead of linked: a ledger on SQLite — the
// default — never maps libpq and the twenty libraries it needs (Kerberos, LDAP, GnuTLS, …), which
// cost every `ledger` start about 3 ms. The types and constants come from libpq's own header; the
// functions are the `mlpq_` wrappers below, one per libpq function the adapter calls.
#ifndef CLIBPQ_H
#define CLIBPQ_H
#include <postgresql/libpq-fe.h>

/// Loads libpq once (thread-safe). 1 when every function below is usable, 0 otherwise (then
/// `mlpq_load_error()` says why; no wrapper but `mlpq_libVersion` may be called).
int mlpq_load(void);
/// Why `mlpq_load()` failed (the dynamic loader's words), "" when it did not.
const char *mlpq_load_error(void);
PGconn * mlpq_connectdb(const char *conninfo);
void mlpq_finish(PGconn *conn);
void mlpq_reset(PGconn *conn);
ConnStatusType mlpq_status(const PGconn *conn);
PGTransactionStatusType mlpq_transactionStatus(const PGconn *conn);
char * mlpq_errorMessage(const PGconn *conn);
int mlpq_serverVersion(const PGconn *conn);
PGresult * mlpq_exec(PGconn *conn, const char *query);
PGresult * mlpq_execParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat);
int mlpq_sendQuery(PGconn *conn, const char *query);
int mlpq_sendQueryParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat);
int mlpq_setSingleRowMode(PGconn *conn);
PGresult * mlpq_getResult(PGconn *conn);
int mlpq_getCopyData(PGconn *conn, char **buffer, int async);
int mlpq_putCopyEnd(PGconn *conn, const char *errormsg);
int mlpq_consumeInput(PGconn *conn);
int mlpq_isBusy(PGconn *conn);
PGcancel * mlpq_getCancel(PGconn *conn);
int mlpq_cancel(PGcancel *cancel, char *errbuf, int errbufsize);
void mlpq_freeCancel(PGcancel *cancel);
ExecStatusType mlpq_resultStatus(const PGresult *res);
char * mlpq_resultErrorMessage(const PGresult *res);
char * mlpq_resultErrorField(const PGresult *res, int fieldcode);
int mlpq_ntuples(const PGresult *res);
int mlpq_nfields(const PGresult *res);
char * mlpq_fname(const PGresult *res, int field_num);
Oid mlpq_ftype(const PGresult *res, int field_num);
char * mlpq_getvalue(const PGresult *res, int tup_num, int field_num);
int mlpq_getlength(const PGresult *res, int tup_num, int field_num);
int mlpq_getisnull(const PGresult *res, int tup_num, int field_num);
char * mlpq_cmdTuples(PGresult *res);
void mlpq_clear(PGresult *res);
void mlpq_freemem(void *ptr);
int mlpq_libVersion(void);

#endif

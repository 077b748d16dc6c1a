#include "CLibPQ.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#if defined(__APPLE__)
#define MLPQ_LIBRARY "libpq.5.dylib"
#else
#define MLPQ_LIBRARY "libpq.so.5"
#endif

static pthread_once_t mlpq_once = PTHREAD_ONCE_INIT;
static int mlpq_loaded = 0;
static char mlpq_error[512] = "";

static struct {
    PGconn * (*connectdb)(const char *conninfo);
    void (*finish)(PGconn *conn);
    void (*reset)(PGconn *conn);
    ConnStatusType (*status)(const PGconn *conn);
    PGTransactionStatusType (*transactionStatus)(const PGconn *conn);
    char * (*errorMessage)(const PGconn *conn);
    int (*serverVersion)(const PGconn *conn);
    PGresult * (*exec)(PGconn *conn, const char *query);
    PGresult * (*execParams)(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat);
    int (*sendQuery)(PGconn *conn, const char *query);
    int (*sendQueryParams)(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat);
    int (*setSingleRowMode)(PGconn *conn);
    PGresult * (*getResult)(PGconn *conn);
    int (*getCopyData)(PGconn *conn, char **buffer, int async);
    int (*putCopyEnd)(PGconn *conn, const char *errormsg);
    int (*consumeInput)(PGconn *conn);
    int (*isBusy)(PGconn *conn);
    PGcancel * (*getCancel)(PGconn *conn);
    int (*cancel)(PGcancel *cancel, char *errbuf, int errbufsize);
    void (*freeCancel)(PGcancel *cancel);
    ExecStatusType (*resultStatus)(const PGresult *res);
    char * (*resultErrorMessage)(const PGresult *res);
    char * (*resultErrorField)(const PGresult *res, int fieldcode);
    int (*ntuples)(const PGresult *res);
    int (*nfields)(const PGresult *res);
    char * (*fname)(const PGresult *res, int field_num);
    Oid (*ftype)(const PGresult *res, int field_num);
    char * (*getvalue)(const PGresult *res, int tup_num, int field_num);
    int (*getlength)(const PGresult *res, int tup_num, int field_num);
    int (*getisnull)(const PGresult *res, int tup_num, int field_num);
    char * (*cmdTuples)(PGresult *res);
    void (*clear)(PGresult *res);
    void (*freemem)(void *ptr);
    int (*libVersion)(void);
} mlpq;

static void mlpq_do_load(void) {
    void *library = dlopen(MLPQ_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(mlpq_error, sizeof mlpq_error, "cannot load %s: %s", MLPQ_LIBRARY, why ? why : "unknown error");
        return;
    }
    void *symbol;
    symbol = dlsym(library, "PQconnectdb");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQconnectdb", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.connectdb, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQfinish");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQfinish", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.finish, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQreset");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQreset", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.reset, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQstatus");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQstatus", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.status, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQtransactionStatus");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQtransactionStatus", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.transactionStatus, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQerrorMessage");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQerrorMessage", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.errorMessage, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQserverVersion");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQserverVersion", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.serverVersion, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQexec");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQexec", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.exec, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQexecParams");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQexecParams", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.execParams, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQsendQuery");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQsendQuery", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.sendQuery, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQsendQueryParams");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQsendQueryParams", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.sendQueryParams, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQsetSingleRowMode");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQsetSingleRowMode", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.setSingleRowMode, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQgetResult");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQgetResult", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.getResult, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQgetCopyData");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQgetCopyData", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.getCopyData, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQputCopyEnd");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQputCopyEnd", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.putCopyEnd, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQconsumeInput");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQconsumeInput", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.consumeInput, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQisBusy");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQisBusy", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.isBusy, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQgetCancel");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQgetCancel", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.getCancel, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQcancel");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQcancel", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.cancel, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQfreeCancel");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQfreeCancel", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.freeCancel, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQresultStatus");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQresultStatus", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.resultStatus, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQresultErrorMessage");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQresultErrorMessage", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.resultErrorMessage, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQresultErrorField");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQresultErrorField", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.resultErrorField, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQntuples");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQntuples", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.ntuples, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQnfields");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQnfields", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.nfields, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQfname");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQfname", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.fname, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQftype");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQftype", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.ftype, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQgetvalue");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQgetvalue", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.getvalue, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQgetlength");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQgetlength", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.getlength, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQgetisnull");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQgetisnull", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.getisnull, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQcmdTuples");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQcmdTuples", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.cmdTuples, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQclear");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQclear", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.clear, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQfreemem");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQfreemem", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.freemem, &symbol, sizeof symbol);
    symbol = dlsym(library, "PQlibVersion");
    if (symbol == NULL) {
        snprintf(mlpq_error, sizeof mlpq_error, "%s has no PQlibVersion", MLPQ_LIBRARY);
        return;
    }
    memcpy(&mlpq.libVersion, &symbol, sizeof symbol);
    mlpq_loaded = 1;
}

int mlpq_load(void) {
    pthread_once(&mlpq_once, mlpq_do_load);
    return mlpq_loaded;
}

const char *mlpq_load_error(void) {
    mlpq_load();
    return mlpq_error;
}

PGconn * mlpq_connectdb(const char *conninfo) {
    return mlpq_load() ? mlpq.connectdb(conninfo) : NULL;
}

void mlpq_finish(PGconn *conn) {
    if (mlpq_load()) mlpq.finish(conn);
}

void mlpq_reset(PGconn *conn) {
    if (mlpq_load()) mlpq.reset(conn);
}

ConnStatusType mlpq_status(const PGconn *conn) {
    return mlpq_load() ? mlpq.status(conn) : CONNECTION_BAD;
}

PGTransactionStatusType mlpq_transactionStatus(const PGconn *conn) {
    return mlpq_load() ? mlpq.transactionStatus(conn) : PQTRANS_UNKNOWN;
}

char * mlpq_errorMessage(const PGconn *conn) {
    return mlpq_load() ? mlpq.errorMessage(conn) : (char *)"libpq is not loaded";
}

int mlpq_serverVersion(const PGconn *conn) {
    return mlpq_load() ? mlpq.serverVersion(conn) : 0;
}

PGresult * mlpq_exec(PGconn *conn, const char *query) {
    return mlpq_load() ? mlpq.exec(conn, query) : NULL;
}

PGresult * mlpq_execParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat) {
    return mlpq_load() ? mlpq.execParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat) : NULL;
}

int mlpq_sendQuery(PGconn *conn, const char *query) {
    return mlpq_load() ? mlpq.sendQuery(conn, query) : 0;
}

int mlpq_sendQueryParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat) {
    return mlpq_load() ? mlpq.sendQueryParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat) : 0;
}

int mlpq_setSingleRowMode(PGconn *conn) {
    return mlpq_load() ? mlpq.setSingleRowMode(conn) : 0;
}

PGresult * mlpq_getResult(PGconn *conn) {
    return mlpq_load() ? mlpq.getResult(conn) : NULL;
}

int mlpq_getCopyData(PGconn *conn, char **buffer, int async) {
    return mlpq_load() ? mlpq.getCopyData(conn, buffer, async) : -2;
}

int mlpq_putCopyEnd(PGconn *conn, const char *errormsg) {
    return mlpq_load() ? mlpq.putCopyEnd(conn, errormsg) : -1;
}

int mlpq_consumeInput(PGconn *conn) {
    return mlpq_load() ? mlpq.consumeInput(conn) : 0;
}

int mlpq_isBusy(PGconn *conn) {
    return mlpq_load() ? mlpq.isBusy(conn) : 0;
}

PGcancel * mlpq_getCancel(PGconn *conn) {
    return mlpq_load() ? mlpq.getCancel(conn) : NULL;
}

int mlpq_cancel(PGcancel *cancel, char *errbuf, int errbufsize) {
    return mlpq_load() ? mlpq.cancel(cancel, errbuf, errbufsize) : 0;
}

void mlpq_freeCancel(PGcancel *cancel) {
    if (mlpq_load()) mlpq.freeCancel(cancel);
}

ExecStatusType mlpq_resultStatus(const PGresult *res) {
    return mlpq_load() ? mlpq.resultStatus(res) : PGRES_FATAL_ERROR;
}

char * mlpq_resultErrorMessage(const PGresult *res) {
    return mlpq_load() ? mlpq.resultErrorMessage(res) : (char *)"libpq is not loaded";
}

char * mlpq_resultErrorField(const PGresult *res, int fieldcode) {
    return mlpq_load() ? mlpq.resultErrorField(res, fieldcode) : NULL;
}

int mlpq_ntuples(const PGresult *res) {
    return mlpq_load() ? mlpq.ntuples(res) : 0;
}

int mlpq_nfields(const PGresult *res) {
    return mlpq_load() ? mlpq.nfields(res) : 0;
}

char * mlpq_fname(const PGresult *res, int field_num) {
    return mlpq_load() ? mlpq.fname(res, field_num) : NULL;
}

Oid mlpq_ftype(const PGresult *res, int field_num) {
    return mlpq_load() ? mlpq.ftype(res, field_num) : 0;
}

char * mlpq_getvalue(const PGresult *res, int tup_num, int field_num) {
    return mlpq_load() ? mlpq.getvalue(res, tup_num, field_num) : NULL;
}

int mlpq_getlength(const PGresult *res, int tup_num, int field_num) {
    return mlpq_load() ? mlpq.getlength(res, tup_num, field_num) : 0;
}

int mlpq_getisnull(const PGresult *res, int tup_num, int field_num) {
    return mlpq_load() ? mlpq.getisnull(res, tup_num, field_num) : 1;
}

char * mlpq_cmdTuples(PGresult *res) {
    return mlpq_load() ? mlpq.cmdTuples(res) : (char *)"";
}

void mlpq_clear(PGresult *res) {
    if (mlpq_load()) mlpq.clear(res);
}

void mlpq_freemem(void *ptr) {
    if (mlpq_load()) mlpq.freemem(ptr);
}

int mlpq_libVersion(void) {
    return mlpq_load() ? mlpq.libVersion() : 0;
}

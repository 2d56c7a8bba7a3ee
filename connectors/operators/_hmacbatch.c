/*
 * HMAC-SHA256 of many messages in one call, by OpenSSL's libcrypto (the same library behind
 * Python's hmac module): no cryptography is implemented here, only the loop.
 *
 *   hmac_sha256_many(key, data, offsets, wide, out, threads)
 *
 * data:    the messages' bytes, back to back (an Arrow binary array's value buffer);
 * offsets: n + 1 native int32 (wide = 0) or int64 (wide = 1) offsets into data (the array's
 *          offset buffer, from its first element);
 * out:     a writable buffer of n * 32 bytes, filled with the n digests in order.
 *
 * The GIL is released while the digests are computed; with threads > 1 the messages are split
 * into that many contiguous ranges, each with its own HMAC context.
 */
#define PY_SSIZE_T_CLEAN
#define OPENSSL_SUPPRESS_DEPRECATED /* HMAC_CTX: the key is set once and reused per message */
#include <Python.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define DIGEST 32
#define MAX_THREADS 16

typedef struct {
    const unsigned char *key;
    int key_len;
    const unsigned char *data;
    Py_ssize_t data_len;
    const void *offsets;
    int wide; /* offsets are int64 */
    unsigned char *out;
    Py_ssize_t first, last; /* messages [first, last) */
    int failed;             /* 1: OpenSSL error, 2: offsets out of bounds */
} Range;

static int64_t offset_at(const Range *r, Py_ssize_t i) {
    return r->wide ? ((const int64_t *)r->offsets)[i] : (int64_t)((const int32_t *)r->offsets)[i];
}

static void *digest_range(void *arg) {
    Range *r = (Range *)arg;
    HMAC_CTX *ctx = HMAC_CTX_new();
    if (ctx == NULL || !HMAC_Init_ex(ctx, r->key, r->key_len, EVP_sha256(), NULL)) {
        r->failed = 1;
        HMAC_CTX_free(ctx);
        return NULL;
    }
    for (Py_ssize_t i = r->first; i < r->last; i++) {
        int64_t start = offset_at(r, i), end = offset_at(r, i + 1);
        if (start < 0 || end < start || end > r->data_len) {
            r->failed = 2;
            break;
        }
        unsigned int written = 0;
        if (!HMAC_Init_ex(ctx, NULL, 0, NULL, NULL) ||
            !HMAC_Update(ctx, r->data + start, (size_t)(end - start)) ||
            !HMAC_Final(ctx, r->out + i * DIGEST, &written) || written != DIGEST) {
            r->failed = 1;
            break;
        }
    }
    HMAC_CTX_free(ctx);
    return NULL;
}

static PyObject *hmac_sha256_many(PyObject *self, PyObject *args) {
    Py_buffer key, data, offsets, out;
    int wide = 0, threads = 1;
    if (!PyArg_ParseTuple(args, "y*y*y*pw*|i", &key, &data, &offsets, &wide, &out, &threads)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t width = wide ? 8 : 4, n = offsets.len / width - 1;
    if (offsets.len % width != 0 || n < 0 || out.len != n * DIGEST || key.len > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "out must hold 32 bytes per message (n + 1 offsets)");
        goto done;
    }
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    if (n < 4096) threads = 1;

    Range ranges[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < threads; t++) {
        ranges[t] = (Range){
            .key = key.buf, .key_len = (int)key.len, .data = data.buf, .data_len = data.len,
            .offsets = offsets.buf, .wide = wide, .out = out.buf,
            .first = n * t / threads, .last = n * (t + 1) / threads, .failed = 0,
        };
    }
    Py_BEGIN_ALLOW_THREADS
    for (int t = 1; t < threads; t++) {
        started[t] = pthread_create(&ids[t], NULL, digest_range, &ranges[t]) == 0;
        if (!started[t]) digest_range(&ranges[t]);
    }
    digest_range(&ranges[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t]) pthread_join(ids[t], NULL);
    }
    Py_END_ALLOW_THREADS
    for (int t = 0; t < threads; t++) {
        if (ranges[t].failed == 2) {
            PyErr_SetString(PyExc_ValueError, "offsets point outside the data");
            goto done;
        }
        if (ranges[t].failed) {
            PyErr_SetString(PyExc_RuntimeError, "OpenSSL HMAC failed");
            goto done;
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&key);
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"hmac_sha256_many", hmac_sha256_many, METH_VARARGS,
     "hmac_sha256_many(key, data, offsets, wide, out, threads=1): HMAC-SHA256 of each message."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_hmacbatch",
    "HMAC-SHA256 of many messages per call, by OpenSSL's libcrypto.", -1, methods,
};

PyMODINIT_FUNC PyInit__hmacbatch(void) { return PyModule_Create(&module); }

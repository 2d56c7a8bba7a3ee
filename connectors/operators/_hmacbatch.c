/*
 * Loops over many byte strings in one call, without the GIL.
 *
 * 1. HMAC-SHA256 of many messages, by OpenSSL's libcrypto (the same library behind Python's
 *    hmac module): keyed pseudonyms. No cryptography is implemented for it, only the loop
 *    (and, if asked, the pseudonyms' text: a prefix and the digests' first bytes in hex).
 * 2. The residual scan's keyed 64-bit hashes (connectors/residual/hashes.py): SipHash-1-3,
 *    as CPython's Python/pyhash.c computes it for str and bytes (the tests compare the two).
 *    They only tell, in memory, whether a raw value reappears in the output; nothing hashed
 *    here is stored. `siphash_many` hashes values as they are; `raw_form_hashes` hashes a raw
 *    identifier's forms (connectors/residual/tokens.py: raw_forms) in the same pass.
 *
 *   hmac_sha256_many(key, data, offsets, wide, out, threads, prefix=b"", hex_bytes=0)
 *
 * data:    the messages' bytes, back to back (an Arrow binary array's value buffer);
 * offsets: n + 1 native int32 (wide = 0) or int64 (wide = 1) offsets into data (the array's
 *          offset buffer, from its first element);
 * out:     a writable buffer of n * 32 bytes, filled with the n digests in order; or, with
 *          hex_bytes > 0, of n rows of len(prefix) + 2 * hex_bytes bytes: the prefix, then
 *          the digest's first hex_bytes bytes in lower-case hex.
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
    const unsigned char *prefix;
    Py_ssize_t prefix_len, hex_bytes, row; /* hex_bytes 0: raw digests, DIGEST bytes a row */
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
        unsigned char digest[DIGEST];
        unsigned char *row = r->out + i * r->row;
        if (!HMAC_Init_ex(ctx, NULL, 0, NULL, NULL) ||
            !HMAC_Update(ctx, r->data + start, (size_t)(end - start)) ||
            !HMAC_Final(ctx, r->hex_bytes ? digest : row, &written) || written != DIGEST) {
            r->failed = 1;
            break;
        }
        if (r->hex_bytes) {
            static const char hex[] = "0123456789abcdef";
            if (r->prefix_len) memcpy(row, r->prefix, (size_t)r->prefix_len);
            unsigned char *text = row + r->prefix_len;
            for (Py_ssize_t b = 0; b < r->hex_bytes; b++) {
                text[2 * b] = (unsigned char)hex[digest[b] >> 4];
                text[2 * b + 1] = (unsigned char)hex[digest[b] & 15];
            }
        }
    }
    HMAC_CTX_free(ctx);
    return NULL;
}

static PyObject *hmac_sha256_many(PyObject *self, PyObject *args) {
    Py_buffer key, data, offsets, out, prefix = {0};
    int wide = 0, threads = 1;
    Py_ssize_t hex_bytes = 0;
    if (!PyArg_ParseTuple(args, "y*y*y*pw*|iy*n", &key, &data, &offsets, &wide, &out, &threads,
                          &prefix, &hex_bytes)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t width = wide ? 8 : 4, n = offsets.len / width - 1;
    if (hex_bytes < 0 || hex_bytes > DIGEST) {
        PyErr_SetString(PyExc_ValueError, "hex_bytes must be 0 to 32");
        goto done;
    }
    Py_ssize_t row = hex_bytes ? prefix.len + 2 * hex_bytes : DIGEST;
    if (offsets.len % width != 0 || n < 0 || out.len != n * row || key.len > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "out must hold a row per message (n + 1 offsets)");
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
            .prefix = prefix.buf, .prefix_len = prefix.len, .hex_bytes = hex_bytes, .row = row,
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
    if (prefix.obj != NULL) PyBuffer_Release(&prefix);
    return result;
}

/* ---- the residual scan's hashes ---------------------------------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define HALF_ROUND(a, b, c, d, s, t) \
    a += b;                          \
    c += d;                          \
    b = ROTL(b, s) ^ a;              \
    d = ROTL(d, t) ^ c;              \
    a = ROTL(a, 32);
#define SINGLE_ROUND(v0, v1, v2, v3)        \
    HALF_ROUND(v0, v1, v2, v3, 13, 16);     \
    HALF_ROUND(v2, v1, v0, v3, 17, 21);

static uint64_t load_le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* SipHash-1-3 of src under the key (k0, k1), as CPython's pyhash.c computes it. */
static uint64_t siphash13(uint64_t k0, uint64_t k1, const unsigned char *src, size_t size) {
    uint64_t b = (uint64_t)size << 56;
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    uint64_t v3 = k1 ^ 0x7465646279746573ULL;
    while (size >= 8) {
        uint64_t mi = load_le64(src);
        src += 8;
        size -= 8;
        v3 ^= mi;
        SINGLE_ROUND(v0, v1, v2, v3);
        v0 ^= mi;
    }
    uint64_t t = 0;
    for (size_t i = size; i > 0; i--) t = (t << 8) | src[i - 1];
    b |= t;
    v3 ^= b;
    SINGLE_ROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    SINGLE_ROUND(v0, v1, v2, v3);
    SINGLE_ROUND(v0, v1, v2, v3);
    SINGLE_ROUND(v0, v1, v2, v3);
    return (v0 ^ v1) ^ (v2 ^ v3);
}

typedef struct {
    uint64_t k0, k1;
    const unsigned char *data;
    Py_ssize_t data_len;
    const void *offsets;
    int wide;
    Py_ssize_t n;
} Values;

static int parse_values(PyObject *args, Values *v, Py_buffer *key, Py_buffer *data,
                        Py_buffer *offsets, Py_buffer *out, Py_buffer *extra) {
    int wide = 0;
    if (extra != NULL) {
        if (!PyArg_ParseTuple(args, "y*y*y*pw*w*", key, data, offsets, &wide, out, extra)) return 0;
    } else if (!PyArg_ParseTuple(args, "y*y*y*pw*", key, data, offsets, &wide, out)) {
        return 0;
    }
    Py_ssize_t width = wide ? 8 : 4;
    if (key->len != 16 || offsets->len % width != 0 || offsets->len < width) {
        PyErr_SetString(PyExc_ValueError, "a 16-byte key and n + 1 offsets are needed");
        return -1;
    }
    *v = (Values){
        .k0 = load_le64(key->buf), .k1 = load_le64((const unsigned char *)key->buf + 8),
        .data = data->buf, .data_len = data->len, .offsets = offsets->buf, .wide = wide,
        .n = offsets->len / width - 1,
    };
    return 1;
}

static int bounds(const Values *v, Py_ssize_t i, int64_t *start, int64_t *end) {
    *start = v->wide ? ((const int64_t *)v->offsets)[i] : ((const int32_t *)v->offsets)[i];
    *end = v->wide ? ((const int64_t *)v->offsets)[i + 1] : ((const int32_t *)v->offsets)[i + 1];
    return *start >= 0 && *start <= *end && *end <= v->data_len;
}

static PyObject *siphash_many(PyObject *self, PyObject *args) {
    Py_buffer key, data, offsets, out;
    Values v;
    int parsed = parse_values(args, &v, &key, &data, &offsets, &out, NULL);
    if (parsed == 0) return NULL;
    PyObject *result = NULL;
    int failed = 0;
    if (parsed < 0) goto done;
    if (out.len != v.n * 8) {
        PyErr_SetString(PyExc_ValueError, "out must hold 8 bytes per value");
        goto done;
    }
    uint64_t *hashes = out.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < v.n; i++) {
        int64_t start, end;
        if (!bounds(&v, i, &start, &end)) {
            failed = 1;
            break;
        }
        hashes[i] = siphash13(v.k0, v.k1, v.data + start, (size_t)(end - start));
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_SetString(PyExc_ValueError, "offsets point outside the data");
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&key);
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&out);
    return result;
}

/* What Arrow's utf8_trim_whitespace trims, among ASCII characters (tests check it). */
static int ascii_space(unsigned char c) { return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20); }

/* Code points above ASCII that are (or might be) Unicode white space: a raw value that
 * begins or ends with one is left to Arrow's own trimming (the tests check this list holds
 * every code point Arrow trims). */
static int maybe_space(uint32_t cp) {
    return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || cp == 0x180e ||
           (cp >= 0x2000 && cp <= 0x200b) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

static uint32_t code_point(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    uint32_t cp = more == 3 ? c & 0x07 : more == 2 ? c & 0x0f : more == 1 ? c & 0x1f : c;
    for (int i = 1; i <= more && p + i < end; i++) cp = (cp << 6) | (p[i] & 0x3f);
    return cp;
}

/* One pass of the regular expression ([0-9])[ -]+([0-9]) -> \1\2 over in (non-overlapping
 * matches, left to right, as Arrow's replace_substring_regex makes them). */
static size_t join_digits(const unsigned char *in, size_t n, unsigned char *out) {
    size_t i = 0, m = 0;
    while (i < n) {
        if (in[i] >= '0' && in[i] <= '9') {
            size_t j = i + 1;
            while (j < n && (in[j] == ' ' || in[j] == '-')) j++;
            if (j > i + 1 && j < n && in[j] >= '0' && in[j] <= '9') {
                out[m++] = in[i];
                out[m++] = in[j];
                i = j + 1;
                continue;
            }
        }
        out[m++] = in[i++];
    }
    return m;
}

/* raw_form_hashes(key, data, offsets, wide, out, unsure) -> count
 * Per value: trimmed of ASCII white space, ASCII letters lower-cased; if two characters or
 * more, its hash, and the hash of its digits joined (two passes of join_digits) when that
 * differs. out: 2n uint64, filled from the start; unsure: n bytes, set to 1 for a value
 * that begins or ends with a code point maybe_space() names (the caller hashes Arrow's
 * forms of those too). */
static PyObject *raw_form_hashes(PyObject *self, PyObject *args) {
    Py_buffer key, data, offsets, out, unsure;
    Values v;
    int parsed = parse_values(args, &v, &key, &data, &offsets, &out, &unsure);
    if (parsed == 0) return NULL;
    PyObject *result = NULL;
    Py_ssize_t count = 0;
    unsigned char *scratch = NULL;
    if (parsed < 0) goto done;
    if (out.len != v.n * 16 || unsure.len != v.n) {
        PyErr_SetString(PyExc_ValueError, "out must hold 16 bytes per value, unsure one");
        goto done;
    }
    Py_ssize_t longest = 0;
    for (Py_ssize_t i = 0; i < v.n; i++) {
        int64_t start, end;
        if (!bounds(&v, i, &start, &end)) {
            PyErr_SetString(PyExc_ValueError, "offsets point outside the data");
            goto done;
        }
        if (end - start > longest) longest = (Py_ssize_t)(end - start);
    }
    scratch = PyMem_RawMalloc((size_t)longest * 3 + 3);
    if (scratch == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    uint64_t *hashes = out.buf;
    unsigned char *flags = unsure.buf;
    Py_BEGIN_ALLOW_THREADS
    unsigned char *text = scratch, *once = scratch + longest + 1, *twice = once + longest + 1;
    for (Py_ssize_t i = 0; i < v.n; i++) {
        int64_t start, end;
        bounds(&v, i, &start, &end);
        const unsigned char *p = v.data + start, *e = v.data + end;
        while (p < e && ascii_space(*p)) p++;
        while (e > p && ascii_space(e[-1])) e--;
        flags[i] = 0;
        if (p < e) {
            const unsigned char *last = e - 1;
            while (last > p && (*last & 0xc0) == 0x80 && e - last < 4) last--;
            if ((*p >= 0x80 && maybe_space(code_point(p, e))) ||
                (*last >= 0x80 && maybe_space(code_point(last, e)))) {
                flags[i] = 1;
            }
        }
        size_t n = (size_t)(e - p), chars = 0;
        int spaced = 0; /* a space or a dash: digits may need joining */
        for (size_t k = 0; k < n; k++) {
            unsigned char c = p[k];
            text[k] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
            chars += (c & 0xc0) != 0x80;
            spaced |= c == ' ' || c == '-';
        }
        if (chars < 2) continue;
        hashes[count++] = siphash13(v.k0, v.k1, text, n);
        if (!spaced) continue;
        size_t joined = join_digits(text, n, once);
        joined = join_digits(once, joined, twice);
        if (joined != n) hashes[count++] = siphash13(v.k0, v.k1, twice, joined);
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(count);
done:
    PyMem_RawFree(scratch);
    PyBuffer_Release(&key);
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&out);
    PyBuffer_Release(&unsure);
    return result;
}

static PyMethodDef methods[] = {
    {"hmac_sha256_many", hmac_sha256_many, METH_VARARGS,
     "hmac_sha256_many(key, data, offsets, wide, out, threads=1, prefix=b'', hex_bytes=0): "
     "HMAC-SHA256 of each message, or the prefix and its first hex_bytes bytes in hex."},
    {"siphash_many", siphash_many, METH_VARARGS,
     "siphash_many(key, data, offsets, wide, out): SipHash-1-3 of each value, 8 bytes each."},
    {"raw_form_hashes", raw_form_hashes, METH_VARARGS,
     "raw_form_hashes(key, data, offsets, wide, out, unsure) -> count: the residual scan's "
     "hashes of raw values' forms."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_hmacbatch",
    "HMAC-SHA256 (OpenSSL) and SipHash-1-3 of many values per call.", -1, methods,
};

PyMODINIT_FUNC PyInit__hmacbatch(void) { return PyModule_Create(&module); }

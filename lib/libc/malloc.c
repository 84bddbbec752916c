/* malloc.c: the allocator over the one heap region lib/platform hands over at boot.
 *
 * The heap is a row of chunks, each a 16-byte header (the size of the chunk below, then magic | size | flags) and
 * a 16-byte aligned payload; a zero-size sentinel ends the row. Free chunks live in a pool of size-class bins with
 * a bitmap of the non-empty ones (two-level, like TLSF), and are coalesced with free neighbours found through the
 * headers (boundary tags), so the pool never holds two adjacent free chunks. Small chunks take a fast path: a
 * freed one goes onto an exact-size cache list without coalescing and the next malloc of that size pops it, both
 * O(1). The caches are folded back into the pool when the pool alone cannot satisfy a request, so malloc returns
 * NULL only when the heap is really exhausted. Every free checks the header's magic, its flags and both
 * neighbours' sizes; a double free or a corrupted header prints one line and aborts. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/libc/boot.h"
#include "lib/platform/platform.h"

#define ALIGNMENT 16u
#define HEADER_SIZE 16u
/* The smallest chunk holds the header and a free chunk's two list links. */
#define MIN_CHUNK 32u

/* The header's second word: bits 48-63 a magic, bits 4-47 the chunk size, bits 0-3 flags. */
#define MAGIC_MASK (UINT64_C(0xffff) << 48)
#define CHUNK_MAGIC (UINT64_C(0xa110) << 48)
/* Written over the header of a chunk absorbed into a free neighbour, so freeing it again reads as a double free. */
#define ABSORBED_MAGIC (UINT64_C(0xdead) << 48)
#define SIZE_MASK (~MAGIC_MASK & ~UINT64_C(0xf))
#define FLAG_IN_USE UINT64_C(1) /* held by the program or by a small cache: not in the pool */
#define FLAG_CACHED UINT64_C(2) /* freed into a small cache */
#define FLAG_SENTINEL UINT64_C(4)

/* Chunk sizes stay below 2^47, so sizes fit their 44 bits with room for a request's rounding. */
#define MAX_HEAP (UINT64_C(1) << 47)
#define MAX_REQUEST (MAX_HEAP - 4096)

/* Chunks below this size take the cache fast path; one cache per 16-byte size. */
#define CACHE_LIMIT 1024u
#define CACHE_COUNT (CACHE_LIMIT / ALIGNMENT)

/* Pool bins: one per 16 bytes below 1024, then eight per power of two up to 2^47. */
#define EXACT_BIN_LIMIT 1024u
#define EXACT_BINS (EXACT_BIN_LIMIT / ALIGNMENT)
#define SUB_BIN_BITS 3
#define SUB_BINS (1u << SUB_BIN_BITS)
#define FIRST_RANGE_LOG 10
#define BIN_COUNT (EXACT_BINS + (47 - FIRST_RANGE_LOG) * SUB_BINS)
#define BITMAP_WORDS ((BIN_COUNT + 63) / 64)

struct chunk {
    uint64_t prev_size; /* size of the chunk just below; 0 for the first chunk */
    uint64_t word;      /* magic | size | flags */
    /* The payload starts here; while the chunk is free its first 16 bytes are these links. */
    struct chunk *next;
    struct chunk *prev;
};

_Static_assert(offsetof(struct chunk, next) == HEADER_SIZE, "the payload starts after the 16-byte header");

static struct {
    uintptr_t start; /* first chunk */
    uintptr_t end;   /* the sentinel */
    struct chunk *bins[BIN_COUNT];
    uint64_t bitmap[BITMAP_WORDS];
    struct chunk *caches[CACHE_COUNT];
} heap;

static _Noreturn void heap_fail(const char *what, const void *pointer)
{
    char line[128];
    int len = snprintf(line, sizeof(line), "malloc: %s (pointer %p)\n", what, pointer);

    if (len > 0)
        platform_console_write(line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
    platform_abort();
}

static inline uint64_t chunk_size(const struct chunk *chunk)
{
    return chunk->word & SIZE_MASK;
}

static inline struct chunk *chunk_at(uintptr_t address)
{
    return (struct chunk *)address;
}

static inline struct chunk *chunk_next(const struct chunk *chunk)
{
    return chunk_at((uintptr_t)chunk + chunk_size(chunk));
}

static inline void *chunk_payload(struct chunk *chunk)
{
    return (char *)chunk + HEADER_SIZE;
}

static inline bool chunk_in_pool(const struct chunk *chunk)
{
    return !(chunk->word & FLAG_IN_USE);
}

/* Set a chunk's size and flags, and tell the chunk above its new size. */
static inline void chunk_set(struct chunk *chunk, uint64_t size, uint64_t flags)
{
    chunk->word = CHUNK_MAGIC | size | flags;
    chunk_at((uintptr_t)chunk + size)->prev_size = size;
}

/* The request's chunk size, or 0 when no chunk could be that large. */
static inline uint64_t chunk_size_for(size_t request)
{
    if (request > MAX_REQUEST)
        return 0;
    uint64_t size = ((uint64_t)request + HEADER_SIZE + ALIGNMENT - 1) & ~(uint64_t)(ALIGNMENT - 1);
    return size < MIN_CHUNK ? MIN_CHUNK : size;
}

/* Check a neighbour read through a header; a bad one means the heap itself is corrupted. */
static void check_header(const struct chunk *chunk, const void *freed)
{
    if ((chunk->word & MAGIC_MASK) != CHUNK_MAGIC)
        heap_fail("corrupted block header next to the freed block", freed);
}

/* The chunk behind a pointer the program hands back, checked to be a live block of this heap. */
static struct chunk *chunk_of_user_pointer(void *pointer)
{
    uintptr_t address = (uintptr_t)pointer;

    if (address % ALIGNMENT != 0 || address < heap.start + HEADER_SIZE || address >= heap.end)
        heap_fail("free of a pointer that malloc did not return", pointer);
    struct chunk *chunk = chunk_at(address - HEADER_SIZE);
    uint64_t magic = chunk->word & MAGIC_MASK;
    if (magic == ABSORBED_MAGIC)
        heap_fail("double free", pointer);
    if (magic != CHUNK_MAGIC)
        heap_fail("corrupted block header, or free of a pointer that malloc did not return", pointer);
    if ((chunk->word & (FLAG_IN_USE | FLAG_CACHED | FLAG_SENTINEL)) != FLAG_IN_USE)
        heap_fail("double free", pointer);

    uint64_t size = chunk_size(chunk);
    if (size < MIN_CHUNK || size > heap.end - (uintptr_t)chunk || chunk_next(chunk)->prev_size != size)
        heap_fail("corrupted block header (a write past the end of a block?)", pointer);
    if (chunk->prev_size != 0) {
        if (chunk->prev_size > (uintptr_t)chunk - heap.start ||
            chunk_size(chunk_at((uintptr_t)chunk - chunk->prev_size)) != chunk->prev_size)
            heap_fail("corrupted block header (a write past the end of the block below?)", pointer);
    }
    return chunk;
}

/* The bin holding chunks of `size`. */
static inline unsigned bin_of(uint64_t size)
{
    if (size < EXACT_BIN_LIMIT)
        return (unsigned)(size / ALIGNMENT);
    unsigned log = 63u - (unsigned)__builtin_clzll(size);
    unsigned sub = (unsigned)(size >> (log - SUB_BIN_BITS)) & (SUB_BINS - 1);
    return EXACT_BINS + (log - FIRST_RANGE_LOG) * SUB_BINS + sub;
}

/* The first bin whose every chunk is at least `size`: the bin of size, or the next when size is inside a range. */
static inline unsigned bin_at_least(uint64_t size)
{
    unsigned bin = bin_of(size);
    if (size >= EXACT_BIN_LIMIT) {
        unsigned log = 63u - (unsigned)__builtin_clzll(size);
        if (size & ((UINT64_C(1) << (log - SUB_BIN_BITS)) - 1))
            bin++;
    }
    return bin;
}

static void pool_insert(struct chunk *chunk)
{
    unsigned bin = bin_of(chunk_size(chunk));
    struct chunk *head = heap.bins[bin];

    chunk->next = head;
    chunk->prev = NULL;
    if (head != NULL)
        head->prev = chunk;
    heap.bins[bin] = chunk;
    heap.bitmap[bin / 64] |= UINT64_C(1) << (bin % 64);
}

static inline bool link_in_heap(const struct chunk *link)
{
    uintptr_t address = (uintptr_t)link;
    return link == NULL || (address % ALIGNMENT == 0 && address >= heap.start && address < heap.end);
}

static void pool_remove(struct chunk *chunk)
{
    unsigned bin = bin_of(chunk_size(chunk));

    /* The links are in payloads the program once owned: check they lie in the heap and point back before
     * following them. */
    if (!link_in_heap(chunk->next) || !link_in_heap(chunk->prev) ||
        (chunk->next != NULL && chunk->next->prev != chunk) ||
        (chunk->prev != NULL ? chunk->prev->next != chunk : heap.bins[bin] != chunk))
        heap_fail("corrupted free list (a write to a freed block?)", chunk_payload(chunk));
    if (chunk->next != NULL)
        chunk->next->prev = chunk->prev;
    if (chunk->prev != NULL) {
        chunk->prev->next = chunk->next;
    } else {
        heap.bins[bin] = chunk->next;
        if (chunk->next == NULL)
            heap.bitmap[bin / 64] &= ~(UINT64_C(1) << (bin % 64));
    }
}

/* The first non-empty bin at or above `bin`, or BIN_COUNT. */
static unsigned pool_first_bin_from(unsigned bin)
{
    for (unsigned word = bin / 64; word < BITMAP_WORDS; word++) {
        uint64_t bits = heap.bitmap[word];
        if (word == bin / 64)
            bits &= ~UINT64_C(0) << (bin % 64);
        if (bits != 0)
            return word * 64 + (unsigned)__builtin_ctzll(bits);
    }
    return BIN_COUNT;
}

/* Take a pool chunk of at least `size` out of its bin: any chunk of the first fitting bin (O(1)), else the first
 * that fits in the bin `size` falls inside. */
static struct chunk *pool_find(uint64_t size)
{
    unsigned bin = pool_first_bin_from(bin_at_least(size));
    struct chunk *found = NULL;

    if (bin < BIN_COUNT) {
        found = heap.bins[bin];
    } else {
        for (struct chunk *chunk = heap.bins[bin_of(size)]; chunk != NULL; chunk = chunk->next) {
            if (chunk_size(chunk) >= size) {
                found = chunk;
                break;
            }
        }
    }
    if (found != NULL)
        pool_remove(found);
    return found;
}

/* Give a chunk that is in nobody's hands to the pool, merged with its free neighbours. */
static void pool_release(struct chunk *chunk)
{
    uint64_t size = chunk_size(chunk);
    struct chunk *next = chunk_next(chunk);

    check_header(next, chunk_payload(chunk));
    if (chunk_in_pool(next)) {
        pool_remove(next);
        size += chunk_size(next);
        next->word = ABSORBED_MAGIC;
    }
    if (chunk->prev_size != 0) {
        struct chunk *prev = chunk_at((uintptr_t)chunk - chunk->prev_size);
        check_header(prev, chunk_payload(chunk));
        if (chunk_in_pool(prev)) {
            pool_remove(prev);
            size += chunk_size(prev);
            chunk->word = ABSORBED_MAGIC;
            chunk = prev;
        }
    }
    chunk_set(chunk, size, 0);
    pool_insert(chunk);
}

/* Cut `chunk` (in use) down to `size`, giving the rest to the pool when it can make a chunk. */
static void chunk_trim(struct chunk *chunk, uint64_t size)
{
    uint64_t surplus = chunk_size(chunk) - size;

    if (surplus < MIN_CHUNK)
        return;
    struct chunk *rest = chunk_at((uintptr_t)chunk + size);
    chunk_set(chunk, size, FLAG_IN_USE);
    chunk_set(rest, surplus, FLAG_IN_USE);
    pool_release(rest);
}

/* Put every cached chunk back into the pool; returns whether there was any. */
static bool caches_fold_into_pool(void)
{
    bool folded = false;

    for (unsigned index = 0; index < CACHE_COUNT; index++) {
        struct chunk *chunk = heap.caches[index];
        heap.caches[index] = NULL;
        while (chunk != NULL) {
            struct chunk *next = chunk->next;
            chunk->word &= ~(FLAG_CACHED | FLAG_IN_USE);
            pool_release(chunk);
            folded = true;
            chunk = next;
        }
    }
    return folded;
}

static struct chunk *chunk_allocate(uint64_t size)
{
    if (size < CACHE_LIMIT) {
        struct chunk **cache = &heap.caches[size / ALIGNMENT];
        struct chunk *cached = *cache;
        if (cached != NULL) {
            *cache = cached->next;
            cached->word &= ~FLAG_CACHED;
            return cached;
        }
    }

    struct chunk *chunk = pool_find(size);
    if (chunk == NULL && caches_fold_into_pool())
        chunk = pool_find(size);
    if (chunk == NULL)
        return NULL;
    chunk_set(chunk, chunk_size(chunk), FLAG_IN_USE);
    chunk_trim(chunk, size);
    return chunk;
}

static void chunk_free(struct chunk *chunk)
{
    uint64_t size = chunk_size(chunk);

    if (size < CACHE_LIMIT) {
        struct chunk **cache = &heap.caches[size / ALIGNMENT];
        chunk->word |= FLAG_CACHED;
        chunk->next = *cache;
        *cache = chunk;
        return;
    }
    chunk->word &= ~FLAG_IN_USE;
    pool_release(chunk);
}

void libc_heap_init(void *start, size_t size)
{
    uintptr_t begin = ((uintptr_t)start + ALIGNMENT - 1) & ~(uintptr_t)(ALIGNMENT - 1);
    uintptr_t limit = (uintptr_t)start + size;

    memset(&heap, 0, sizeof(heap));
    if (limit < (uintptr_t)start || limit < begin)
        return;
    uint64_t usable = (limit - begin) & ~(uint64_t)(ALIGNMENT - 1);
    if (usable > MAX_HEAP)
        usable = MAX_HEAP;
    if (usable < MIN_CHUNK + HEADER_SIZE)
        return;

    heap.start = begin;
    heap.end = begin + usable - HEADER_SIZE;
    struct chunk *first = chunk_at(begin);
    struct chunk *sentinel = chunk_at(heap.end);
    first->prev_size = 0;
    chunk_set(first, usable - HEADER_SIZE, 0);
    sentinel->word = CHUNK_MAGIC | FLAG_IN_USE | FLAG_SENTINEL;
    pool_insert(first);
}

void *malloc(size_t request)
{
    uint64_t size = chunk_size_for(request);
    struct chunk *chunk = size != 0 && heap.end != 0 ? chunk_allocate(size) : NULL;

    if (chunk == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    return chunk_payload(chunk);
}

void free(void *pointer)
{
    if (pointer != NULL)
        chunk_free(chunk_of_user_pointer(pointer));
}

void *calloc(size_t count, size_t size)
{
    size_t total;

    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *pointer = malloc(total);
    if (pointer != NULL)
        memset(pointer, 0, total);
    return pointer;
}

/* realloc(p, 0) keeps a minimal block and returns it (never NULL for success, so NULL always means failure). */
void *realloc(void *pointer, size_t request)
{
    if (pointer == NULL)
        return malloc(request);

    struct chunk *chunk = chunk_of_user_pointer(pointer);
    uint64_t needed = chunk_size_for(request);
    uint64_t size = chunk_size(chunk);
    if (needed == 0) {
        errno = ENOMEM;
        return NULL;
    }
    if (needed <= size) {
        chunk_trim(chunk, needed);
        return pointer;
    }

    /* Grow in place into a free chunk above. */
    struct chunk *next = chunk_next(chunk);
    check_header(next, pointer);
    if (chunk_in_pool(next) && size + chunk_size(next) >= needed) {
        pool_remove(next);
        uint64_t merged = size + chunk_size(next);
        next->word = ABSORBED_MAGIC;
        chunk_set(chunk, merged, FLAG_IN_USE);
        chunk_trim(chunk, needed);
        return pointer;
    }

    struct chunk *moved = chunk_allocate(needed);
    if (moved == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(chunk_payload(moved), pointer, size - HEADER_SIZE);
    chunk_free(chunk);
    return chunk_payload(moved);
}

void *aligned_alloc(size_t alignment, size_t request)
{
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    if (alignment <= ALIGNMENT)
        return malloc(request);
    /* Over-allocate, then give back the chunk before the aligned address and the surplus after the block. */
    struct chunk *chunk = NULL;
    if (alignment <= MAX_REQUEST && request <= MAX_REQUEST - alignment - MIN_CHUNK && heap.end != 0)
        chunk = chunk_allocate(chunk_size_for(request + alignment + MIN_CHUNK));
    if (chunk == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    uintptr_t payload = (uintptr_t)chunk_payload(chunk);
    uintptr_t aligned = (payload + alignment - 1) & ~(uintptr_t)(alignment - 1);
    if (aligned != payload) {
        /* The chunk before must be big enough to stand alone; alignment >= 32, so one more step makes it so. */
        if (aligned - payload < MIN_CHUNK)
            aligned += alignment;
        uint64_t lead = aligned - payload;
        uint64_t size = chunk_size(chunk);
        struct chunk *moved = chunk_at(aligned - HEADER_SIZE);
        chunk_set(chunk, lead, FLAG_IN_USE);
        chunk_set(moved, size - lead, FLAG_IN_USE);
        chunk->word &= ~FLAG_IN_USE;
        pool_release(chunk);
        chunk = moved;
    }
    chunk_trim(chunk, chunk_size_for(request));
    return chunk_payload(chunk);
}

int posix_memalign(void **result, size_t alignment, size_t request)
{
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
        return EINVAL;
    void *pointer = aligned_alloc(alignment, request);
    if (pointer == NULL)
        return ENOMEM;
    *result = pointer;
    return 0;
}

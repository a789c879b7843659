/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the unit tests that check a module gives back every byte it took
 * from the DPDK heap (rte_malloc, memzones): valgrind does not see that heap.
 */
#ifndef UT_HEAP_H
#define UT_HEAP_H

#include <stddef.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

/* Bytes allocated from the DPDK heap now, every socket. */
static inline size_t
ut_heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

#endif /* UT_HEAP_H */

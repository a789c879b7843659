/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hashed timing wheel (Varghese & Lauck, scheme 6): TCP_WHEEL_SLOTS lists
 * indexed by expiry tick modulo the wheel size; 1 tick = 1 ms of the
 * caller's TSC. Arm and cancel are O(1) (doubly linked lists); a timer
 * further out than one revolution stays in its slot and is skipped until
 * its tick comes, so running costs one slot per elapsed tick plus the
 * timers looked at.
 */
#include <stddef.h>

#include "tcp_priv.h"

static struct sl_tcp_conn *
timer_conn(struct tcp_timer *tm)
{
	return (struct sl_tcp_conn *)((char *)(tm - tm->kind) - offsetof(struct sl_tcp_conn, tm));
}

/* Arm (or re-arm) timer k of c to fire in ms milliseconds (at least 1). */
void
tcp_timer_arm(struct sl_tcp *t, struct sl_tcp_conn *c, enum tcp_timer_kind k, uint32_t ms)
{
	struct tcp_timer *tm = &c->tm[k];

	if (tm->armed)
		LIST_REMOVE(tm, link);
	if (ms == 0)
		ms = 1;
	tm->kind = k;
	tm->expire = t->tick + tcp_ms_to_ticks(ms);
	tm->armed = 1;
	LIST_INSERT_HEAD(&t->wheel[tm->expire & (TCP_WHEEL_SLOTS - 1)], tm, link);
}

void
tcp_timer_cancel(struct sl_tcp_conn *c, enum tcp_timer_kind k)
{
	struct tcp_timer *tm = &c->tm[k];

	if (tm->armed) {
		LIST_REMOVE(tm, link);
		tm->armed = 0;
	}
}

static void
run_slot(struct sl_tcp *t, uint32_t slot)
{
	struct tcp_timer_list local;
	struct tcp_timer *tm;

	/* Detach the slot first: callbacks re-arm timers into the wheel. */
	local.lh_first = t->wheel[slot].lh_first;
	if (local.lh_first != NULL)
		local.lh_first->link.le_prev = &local.lh_first;
	t->wheel[slot].lh_first = NULL;

	while ((tm = LIST_FIRST(&local)) != NULL) {
		LIST_REMOVE(tm, link);
		if (tm->expire > t->tick) {
			LIST_INSERT_HEAD(&t->wheel[tm->expire & (TCP_WHEEL_SLOTS - 1)], tm, link);
			continue;
		}
		tm->armed = 0;
		tcp_timer_fire(t, timer_conn(tm), (enum tcp_timer_kind)tm->kind);
	}
}

/* Run every slot from the last run up to the current tick. */
void
tcp_timer_run(struct sl_tcp *t)
{
	/* Nothing due within this tick: wheel_tick is already past it. */
	if (t->wheel_tick > t->tick)
		return;
	if (t->tick - t->wheel_tick >= TCP_WHEEL_SLOTS) {
		/* A long gap: one full revolution sees every timer. */
		for (uint32_t i = 0; i < TCP_WHEEL_SLOTS; i++)
			run_slot(t, i);
		t->wheel_tick = t->tick + 1;
		return;
	}
	while (t->wheel_tick <= t->tick) {
		run_slot(t, t->wheel_tick & (TCP_WHEEL_SLOTS - 1));
		t->wheel_tick++;
	}
}

"""The order life cycle through its services: every edge of the graph, every pair outside it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from apps.ledger.models import Posting, Transaction
from apps.ledger.verify import ledger_verify
from apps.orders.errors import IllegalTransition, OrderError
from apps.orders.events import order_status_changed
from apps.orders.lifecycle import FINAL_STATUSES, TRANSITIONS, can_move
from apps.orders.models import (
    CancelReason,
    FailReason,
    Notification,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from apps.orders.pricing import LineRequest
from apps.orders.services.lifecycle import (
    Actor,
    Location,
    order_assign,
    order_cancel,
    order_fail,
    order_reschedule,
    order_start_delivery,
    order_unassign,
)
from apps.orders.services.settlement import order_deliver
from apps.org.models import Role, Skill
from tests.orders.conftest import OrderWorld, make_courier, make_gas, make_order_world

pytestmark = pytest.mark.django_db

S = OrderStatus
STATUSES = list(OrderStatus.values)
ZH_STATUS: dict[str, str] = {
    S.PENDING: "待派单",
    S.ASSIGNED: "已派单",
    S.OUT_FOR_DELIVERY: "配送中",
    S.DELIVERED: "已送达",
    S.FAILED: "失败",
    S.CANCELLED: "已取消",
}
HERE = Location(Decimal("30.277310"), Decimal("120.133950"))


def courier_actor(ow: OrderWorld) -> Actor:
    return Actor(user=ow.courier.user)


def bring(ow: OrderWorld, status: str) -> Order:
    """A fresh order moved to ``status`` through the services."""
    order = ow.order()
    if status == S.PENDING:
        return order
    if status == S.CANCELLED:
        return order_cancel(order=order, reason=CancelReason.DUPLICATE, actor=ow.dispatcher)
    order = order_assign(order=order, courier=ow.courier, actor=ow.dispatcher)
    if status == S.ASSIGNED:
        return order
    order = order_start_delivery(order=order, actor=courier_actor(ow))
    if status == S.OUT_FOR_DELIVERY:
        return order
    if status == S.FAILED:
        return order_fail(order=order, reason=FailReason.NOT_HOME, actor=courier_actor(ow))
    assert status == S.DELIVERED
    return order_deliver(order=order, actor=courier_actor(ow))


def snapshot(order: Order) -> tuple[Any, ...]:
    """Everything a refused move must leave as it was."""
    return (
        Order.objects.filter(pk=order.pk).values().get(),
        list(OrderEvent.objects.filter(order=order).values().order_by("pk")),
        list(OrderLine.objects.filter(order=order).values().order_by("pk")),
        Transaction.objects.filter(company_id=order.company_id).count(),
        Posting.objects.filter(company_id=order.company_id).count(),
        Notification.objects.filter(order=order).count(),
    )


def later_window() -> tuple[Any, Any]:
    start = timezone.now() + timedelta(days=1)
    return start, start + timedelta(hours=2)


# --- every edge of the graph ---------------------------------------------------------------


class Edge:
    """How the services take an order along one edge, and the event that must be written."""

    def __init__(
        self,
        move: Callable[[OrderWorld, Order, Any], Order],
        *,
        by: str,
        courier: str,
        reason: str = "",
        note: str = "",
        located: bool = False,
    ) -> None:
        self.move = move
        self.by = by  # "dispatcher" or "courier"
        self.courier = courier  # who holds the order afterwards: "courier", "other" or "none"
        self.reason = reason
        self.note = note
        self.located = located


def _assign(ow: OrderWorld, order: Order, other: Any) -> Order:
    return order_assign(order=order, courier=ow.courier, actor=ow.dispatcher, note="先送")


def _reassign(ow: OrderWorld, order: Order, other: Any) -> Order:
    return order_assign(order=order, courier=other, actor=ow.dispatcher, note="换人")


def _unassign(ow: OrderWorld, order: Order, other: Any) -> Order:
    return order_unassign(order=order, actor=ow.dispatcher, note="放回池子")


def _start(ow: OrderWorld, order: Order, other: Any) -> Order:
    return order_start_delivery(order=order, actor=courier_actor(ow), location=HERE)


def _deliver(ow: OrderWorld, order: Order, other: Any) -> Order:
    return order_deliver(order=order, actor=courier_actor(ow), location=HERE, note="放在门口")


def _fail_early(ow: OrderWorld, order: Order, other: Any) -> Order:
    return order_fail(
        order=order, reason=FailReason.OUT_OF_STOCK, actor=courier_actor(ow), note="没货了"
    )


def _fail_at_door(ow: OrderWorld, order: Order, other: Any) -> Order:
    return order_fail(
        order=order, reason=FailReason.NOT_HOME, actor=courier_actor(ow), location=HERE
    )


def _back_to_pool(ow: OrderWorld, order: Order, other: Any) -> Order:
    start, end = later_window()
    return order_reschedule(
        order=order, window_start=start, window_end=end, actor=ow.dispatcher, note="明天再送"
    )


def _cancel(reason: str, note: str = "") -> Callable[[OrderWorld, Order, Any], Order]:
    def cancel(ow: OrderWorld, order: Order, other: Any) -> Order:
        return order_cancel(order=order, reason=reason, actor=ow.dispatcher, note=note)

    return cancel


EDGES: dict[tuple[str, str], Edge] = {
    (S.PENDING, S.ASSIGNED): Edge(_assign, by="dispatcher", courier="courier", note="先送"),
    (S.PENDING, S.CANCELLED): Edge(
        _cancel(CancelReason.CHANGED_MIND, "客户来电取消"),
        by="dispatcher",
        courier="none",
        reason=CancelReason.CHANGED_MIND,
        note="客户来电取消",
    ),
    (S.ASSIGNED, S.ASSIGNED): Edge(_reassign, by="dispatcher", courier="other", note="换人"),
    (S.ASSIGNED, S.PENDING): Edge(_unassign, by="dispatcher", courier="none", note="放回池子"),
    (S.ASSIGNED, S.OUT_FOR_DELIVERY): Edge(_start, by="courier", courier="courier", located=True),
    (S.ASSIGNED, S.FAILED): Edge(
        _fail_early,
        by="courier",
        courier="courier",
        reason=FailReason.OUT_OF_STOCK,
        note="没货了",
    ),
    (S.ASSIGNED, S.CANCELLED): Edge(
        _cancel(CancelReason.OTHER, "客户搬家了"),
        by="dispatcher",
        courier="courier",
        reason=CancelReason.OTHER,
        note="客户搬家了",
    ),
    (S.OUT_FOR_DELIVERY, S.DELIVERED): Edge(
        _deliver, by="courier", courier="courier", note="放在门口", located=True
    ),
    (S.OUT_FOR_DELIVERY, S.FAILED): Edge(
        _fail_at_door, by="courier", courier="courier", reason=FailReason.NOT_HOME, located=True
    ),
    (S.FAILED, S.PENDING): Edge(_back_to_pool, by="dispatcher", courier="none", note="明天再送"),
    (S.FAILED, S.CANCELLED): Edge(
        _cancel(CancelReason.NOT_REACHABLE),
        by="dispatcher",
        courier="courier",
        reason=CancelReason.NOT_REACHABLE,
    ),
}


def test_the_edge_table_is_exactly_the_graph() -> None:
    graph = {(a, b) for a, nexts in TRANSITIONS.items() for b in nexts}
    assert set(EDGES) == graph
    assert set(TRANSITIONS) == set(STATUSES)
    assert {S.DELIVERED, S.CANCELLED} == FINAL_STATUSES


@pytest.mark.parametrize(("source", "target"), list(EDGES), ids=str)
def test_every_legal_move_succeeds_and_writes_one_event(
    ow: OrderWorld, source: str, target: str
) -> None:
    edge = EDGES[(source, target)]
    order = bring(ow, source)
    other = make_courier(ow)
    before = list(OrderEvent.objects.filter(order=order).values_list("pk", flat=True))

    moved = edge.move(ow, order, other)

    order.refresh_from_db()
    assert moved.status == order.status == target
    events = list(OrderEvent.objects.filter(order=order).exclude(pk__in=before))
    assert len(events) == 1
    event = events[0]
    assert (event.from_status, event.to_status) == (source, target)
    assert (event.reason, event.note) == (edge.reason, edge.note)
    by = {"dispatcher": ow.team.users[Role.DISPATCHER], "courier": ow.courier.user}[edge.by]
    assert event.actor == by
    holder = {"courier": ow.courier, "other": other, "none": None}[edge.courier]
    assert event.courier == order.courier == holder
    if edge.located:
        assert (event.latitude, event.longitude) == (HERE.latitude, HERE.longitude)
    else:
        assert event.latitude is None and event.longitude is None
    assert order.status_changed_at == event.at


# --- every pair outside the graph ----------------------------------------------------------


def _reschedule(ow: OrderWorld, order: Order) -> Order:
    start, end = later_window()
    return order_reschedule(order=order, window_start=start, window_end=end, actor=ow.dispatcher)


MOVES_TO: dict[str, list[tuple[str, Callable[[OrderWorld, Order], Order]]]] = {
    S.PENDING: [
        ("unassign", lambda ow, o: order_unassign(order=o, actor=ow.dispatcher)),
        ("reschedule", _reschedule),
    ],
    S.ASSIGNED: [
        ("assign", lambda ow, o: order_assign(order=o, courier=ow.courier, actor=ow.dispatcher))
    ],
    S.OUT_FOR_DELIVERY: [
        ("start", lambda ow, o: order_start_delivery(order=o, actor=courier_actor(ow)))
    ],
    S.DELIVERED: [("deliver", lambda ow, o: order_deliver(order=o, actor=courier_actor(ow)))],
    S.FAILED: [
        (
            "fail",
            lambda ow, o: order_fail(order=o, reason=FailReason.REFUSED, actor=courier_actor(ow)),
        )
    ],
    S.CANCELLED: [
        (
            "cancel",
            lambda ow, o: order_cancel(
                order=o, reason=CancelReason.CHANGED_MIND, actor=ow.dispatcher
            ),
        )
    ],
}

# Outside the graph yet allowed on purpose, each tested on its own below: "delivered" on an
# assigned order passes through out_for_delivery, a repeated "delivered" is a no-op retry,
# and rescheduling a pending order only moves its window.
NOT_REFUSED = {
    (S.ASSIGNED, S.DELIVERED, "deliver"),
    (S.DELIVERED, S.DELIVERED, "deliver"),
    (S.PENDING, S.PENDING, "reschedule"),
}
ILLEGAL = [
    (source, target, name)
    for source in STATUSES
    for target in STATUSES
    if not can_move(source, target)
    for name, _move in MOVES_TO[target]
    if (source, target, name) not in NOT_REFUSED
]


def test_every_pair_outside_the_graph_is_driven() -> None:
    pairs = {(a, b) for a in STATUSES for b in STATUSES if not can_move(a, b)}
    driven = {(a, b) for a, b, _name in ILLEGAL} | {(a, b) for a, b, _n in NOT_REFUSED}
    assert pairs <= driven
    assert len(pairs) == 36 - 11


@pytest.mark.parametrize(("source", "target", "name"), ILLEGAL, ids=str)
def test_every_illegal_move_is_refused_in_chinese_and_changes_nothing(
    ow: OrderWorld, source: str, target: str, name: str
) -> None:
    order = bring(ow, source)
    move = dict(MOVES_TO[target])[name]
    before = snapshot(order)

    with translation.override("zh-hans"), pytest.raises(IllegalTransition) as refused:
        move(ow, order)

    assert refused.value.messages == [
        f"订单 {order.number} 当前为“{ZH_STATUS[source]}”，不能变为“{ZH_STATUS[target]}”。"
    ]
    assert snapshot(order) == before


def test_the_refusal_speaks_english_to_an_english_user(ow: OrderWorld) -> None:
    order = bring(ow, S.DELIVERED)
    with translation.override("en"), pytest.raises(IllegalTransition) as refused:
        order_cancel(order=order, reason=CancelReason.DUPLICATE, actor=ow.dispatcher)
    assert refused.value.messages == [
        f"Order {order.number} is Delivered and cannot become Cancelled."
    ]


def test_a_stale_copy_cannot_move_an_order_along_an_old_edge(ow: OrderWorld) -> None:
    stale = bring(ow, S.ASSIGNED)
    order_deliver(order=Order.objects.get(pk=stale.pk), actor=courier_actor(ow))
    before = snapshot(stale)

    with translation.override("zh-hans"):
        for move in (
            lambda: order_assign(order=stale, courier=ow.courier, actor=ow.dispatcher),
            lambda: order_unassign(order=stale, actor=ow.dispatcher),
            lambda: order_cancel(order=stale, reason=CancelReason.DUPLICATE, actor=ow.dispatcher),
        ):
            with pytest.raises(IllegalTransition) as refused:
                move()
            assert "当前为“已送达”" in refused.value.messages[0]
    assert snapshot(stale) == before


def test_a_delivered_call_on_an_assigned_order_passes_through_out_for_delivery(
    ow: OrderWorld,
) -> None:
    order = bring(ow, S.ASSIGNED)
    order_deliver(order=order, actor=courier_actor(ow))
    steps = list(OrderEvent.objects.filter(order=order).values_list("from_status", "to_status"))
    assert steps[-2:] == [(S.ASSIGNED, S.OUT_FOR_DELIVERY), (S.OUT_FOR_DELIVERY, S.DELIVERED)]


def test_a_repeated_delivered_changes_nothing(ow: OrderWorld) -> None:
    order = bring(ow, S.DELIVERED)
    before = snapshot(order)
    again = order_deliver(order=order, actor=courier_actor(ow))
    assert again.status == S.DELIVERED
    assert snapshot(order) == before


def test_rescheduling_a_pending_or_assigned_order_moves_only_its_window(ow: OrderWorld) -> None:
    for status in (S.PENDING, S.ASSIGNED):
        order = bring(ow, status)
        start, end = later_window()
        with translation.override("zh-hans"):
            moved = order_reschedule(
                order=order, window_start=start, window_end=end, actor=ow.dispatcher
            )
        order.refresh_from_db()
        assert moved.status == order.status == status
        assert (order.window_start, order.window_end) == (start, end)
        last = OrderEvent.objects.filter(order=order).last()
        assert last is not None
        assert (last.from_status, last.to_status, last.note) == (status, status, "已改约")


def test_a_failed_order_can_only_go_back_to_the_pool_by_rescheduling(ow: OrderWorld) -> None:
    order = bring(ow, S.FAILED)
    before = snapshot(order)
    with pytest.raises(IllegalTransition):
        order_unassign(order=order, actor=ow.dispatcher)
    with pytest.raises(IllegalTransition):
        order_assign(order=order, courier=ow.courier, actor=ow.dispatcher)
    assert snapshot(order) == before


def test_assigning_the_same_courier_again_writes_nothing(ow: OrderWorld) -> None:
    order = bring(ow, S.ASSIGNED)
    before = snapshot(order)
    again = order_assign(order=order, courier=ow.courier, actor=ow.dispatcher)
    assert again.courier == ow.courier
    assert snapshot(order) == before


# --- who may carry it, and why it failed -------------------------------------------------


def test_a_product_needing_a_skill_goes_only_to_a_courier_with_it(ow: OrderWorld) -> None:
    gas = make_gas(ow)
    plain = make_courier(ow)
    certified = make_courier(ow, skills=[Skill.GAS_CERTIFIED, Skill.STAIRS])
    order = ow.order(lines=[LineRequest(ow.water, 1), LineRequest(gas, 1)])
    before = snapshot(order)

    with translation.override("zh-hans"), pytest.raises(OrderError) as refused:
        order_assign(order=order, courier=plain, actor=ow.dispatcher)
    assert not isinstance(refused.value, IllegalTransition)
    assert gas.name in refused.value.messages[0]
    assert snapshot(order) == before

    assigned = order_assign(order=order, courier=certified, actor=ow.dispatcher)
    assert assigned.courier == certified
    with pytest.raises(OrderError):
        order_assign(order=assigned, courier=plain, actor=ow.dispatcher)
    order.refresh_from_db()
    assert order.courier == certified


def test_only_an_active_courier_of_the_company_can_be_assigned(
    ow: OrderWorld, other_team: Any
) -> None:
    from apps.org.models import StaffMember

    order = ow.order()
    before = snapshot(order)
    outsider = StaffMember.objects.get(company=other_team.company, role=Role.COURIER)
    dispatcher = StaffMember.objects.get(company=ow.company, role=Role.DISPATCHER)
    retired = make_courier(ow)
    retired.is_active = False
    retired.save()
    for person in (outsider, dispatcher, retired):
        with pytest.raises(OrderError):
            order_assign(order=order, courier=person, actor=ow.dispatcher)
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("reason", "note"),
    [("", ""), ("lost_in_space", ""), (FailReason.OTHER, "  ")],
)
def test_a_failure_needs_a_known_reason_and_other_needs_words(
    ow: OrderWorld, reason: str, note: str
) -> None:
    order = bring(ow, S.OUT_FOR_DELIVERY)
    before = snapshot(order)
    with pytest.raises(OrderError):
        order_fail(order=order, reason=reason, note=note, actor=courier_actor(ow))
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("reason", "note"),
    [("", ""), ("bored", ""), (CancelReason.OTHER, "")],
)
def test_a_cancellation_needs_a_coded_reason_and_other_needs_words(
    ow: OrderWorld, reason: str, note: str
) -> None:
    order = bring(ow, S.PENDING)
    before = snapshot(order)
    with pytest.raises(OrderError):
        order_cancel(order=order, reason=reason, note=note, actor=ow.dispatcher)
    assert snapshot(order) == before


def test_a_reschedule_needs_a_window_in_the_future(ow: OrderWorld) -> None:
    order = bring(ow, S.FAILED)
    before = snapshot(order)
    now = timezone.now()
    for start, end in (
        (now + timedelta(hours=3), now + timedelta(hours=1)),
        (now - timedelta(hours=3), now - timedelta(hours=1)),
    ):
        with pytest.raises(OrderError):
            order_reschedule(order=order, window_start=start, window_end=end, actor=ow.dispatcher)
    assert snapshot(order) == before


def test_a_rescheduled_failure_goes_back_to_the_pool_without_its_courier(ow: OrderWorld) -> None:
    order = bring(ow, S.FAILED)
    start, end = later_window()
    order = order_reschedule(order=order, window_start=start, window_end=end, actor=ow.dispatcher)
    order.refresh_from_db()
    assert order.status == S.PENDING
    assert order.courier is None
    assert (order.window_start, order.window_end) == (start, end)
    assert order.eta_start is None and order.eta_end is None


# --- what listening apps hear --------------------------------------------------------------


def test_listeners_hear_each_change_after_commit_with_its_own_reason(
    ow: OrderWorld, django_capture_on_commit_callbacks: Any
) -> None:
    heard: list[tuple[str, str, str]] = []

    def listen(**kwargs: Any) -> None:
        heard.append((kwargs["from_status"], kwargs["to_status"], kwargs["reason"]))

    order_status_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            order = bring(ow, S.FAILED)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            order_cancel(order=order, reason=CancelReason.NOT_REACHABLE, actor=ow.dispatcher)
            assert heard[-1][1] != S.CANCELLED  # not before the commit
        assert len(callbacks) == 1
    finally:
        order_status_changed.disconnect(listen)
    assert heard == [
        ("", S.PENDING, ""),
        (S.PENDING, S.ASSIGNED, ""),
        (S.ASSIGNED, S.OUT_FOR_DELIVERY, ""),
        (S.OUT_FOR_DELIVERY, S.FAILED, FailReason.NOT_HOME),
        (S.FAILED, S.CANCELLED, CancelReason.NOT_REACHABLE),
    ]


def test_a_rescheduled_failure_is_heard_without_the_old_reason(
    ow: OrderWorld, django_capture_on_commit_callbacks: Any
) -> None:
    heard: list[tuple[str, str, str]] = []

    def listen(**kwargs: Any) -> None:
        heard.append((kwargs["from_status"], kwargs["to_status"], kwargs["reason"]))

    order = bring(ow, S.FAILED)
    order_status_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _reschedule(ow, order)
            order_assign(order=order, courier=ow.courier, actor=ow.dispatcher)
    finally:
        order_status_changed.disconnect(listen)
    assert heard == [(S.FAILED, S.PENDING, ""), (S.PENDING, S.ASSIGNED, "")]


# --- random walks against the graph ------------------------------------------------------


class OrderMachine(RuleBasedStateMachine):
    """One order, random actions; the model is the graph and what each service promises."""

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.ow = make_order_world()
        self.ow.courier.skills = [Skill.GAS_CERTIFIED]
        self.ow.courier.save()
        self.couriers = [self.ow.courier, make_courier(self.ow)]
        self.gas = make_gas(self.ow)
        self.order: Order | None = None
        self.status = ""
        self.courier: int | None = None
        self.needs_gas = False

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize(gas=st.booleans(), quantity=st.integers(1, 3))
    def take_order(self, gas: bool, quantity: int) -> None:
        lines = [LineRequest(self.ow.water, quantity)]
        if gas:
            lines.append(LineRequest(self.gas, 1))
        self.order = self.ow.order(lines=lines)
        self.status, self.needs_gas = S.PENDING, gas

    @property
    def _order(self) -> Order:
        assert self.order is not None
        # A copy as old as the walk's start: the services must read the row, not the copy.
        return self.order

    def _try(self, legal: bool, action: Callable[[], Order]) -> bool:
        before = snapshot(self._order)
        try:
            action()
        except IllegalTransition:
            assert not legal, "a legal move was refused"
            assert snapshot(self._order) == before
            return False
        assert legal, "an illegal move went through"
        return True

    @rule(which=st.integers(0, 1))
    def assign(self, which: int) -> None:
        courier = self.couriers[which]
        if can_move(self.status, S.ASSIGNED) and self.needs_gas and which == 1:
            before = snapshot(self._order)
            with pytest.raises(OrderError) as refused:
                order_assign(order=self._order, courier=courier, actor=self.ow.dispatcher)
            assert not isinstance(refused.value, IllegalTransition)
            assert snapshot(self._order) == before
            return
        if self._try(
            can_move(self.status, S.ASSIGNED),
            lambda: order_assign(order=self._order, courier=courier, actor=self.ow.dispatcher),
        ):
            self.status, self.courier = S.ASSIGNED, courier.pk

    @rule()
    def unassign(self) -> None:
        if self._try(
            self.status == S.ASSIGNED,
            lambda: order_unassign(order=self._order, actor=self.ow.dispatcher),
        ):
            self.status, self.courier = S.PENDING, None

    @rule()
    def start(self) -> None:
        if self._try(
            can_move(self.status, S.OUT_FOR_DELIVERY),
            lambda: order_start_delivery(order=self._order, actor=self.ow.dispatcher),
        ):
            self.status = S.OUT_FOR_DELIVERY

    @rule()
    def deliver(self) -> None:
        if self._try(
            self.status in (S.ASSIGNED, S.OUT_FOR_DELIVERY, S.DELIVERED),
            lambda: order_deliver(order=self._order, actor=self.ow.dispatcher),
        ):
            self.status = S.DELIVERED

    @rule(reason=st.sampled_from(FailReason.values))
    def fail(self, reason: str) -> None:
        if self._try(
            can_move(self.status, S.FAILED),
            lambda: order_fail(
                order=self._order, reason=reason, note="说明", actor=self.ow.dispatcher
            ),
        ):
            self.status = S.FAILED

    @rule()
    def reschedule(self) -> None:
        if (
            self._try(
                self.status in (S.PENDING, S.ASSIGNED, S.FAILED),
                lambda: _reschedule(self.ow, self._order),
            )
            and self.status == S.FAILED
        ):
            self.status, self.courier = S.PENDING, None

    @rule(reason=st.sampled_from(CancelReason.values))
    def cancel(self, reason: str) -> None:
        if self._try(
            can_move(self.status, S.CANCELLED),
            lambda: order_cancel(
                order=self._order, reason=reason, note="说明", actor=self.ow.dispatcher
            ),
        ):
            self.status = S.CANCELLED

    @invariant()
    def the_order_is_where_the_model_says(self) -> None:
        if self.order is None:
            return
        row = Order.objects.get(pk=self.order.pk)
        assert row.status == self.status
        if self.status in (S.PENDING,):
            assert row.courier_id is None
        if self.status == S.ASSIGNED:
            assert row.courier_id == self.courier

    @invariant()
    def the_events_form_a_chain_along_the_graph(self) -> None:
        if self.order is None:
            return
        steps = list(
            OrderEvent.objects.filter(order=self.order)
            .order_by("pk")
            .values_list("from_status", "to_status")
        )
        assert steps[0] == ("", S.PENDING)
        for (_before, previous), (source, target) in itertools.pairwise(steps):
            assert source == previous
            # A window change leaves a pending order where it is; anything else is an edge.
            assert can_move(source, target) or source == target == S.PENDING
        assert steps[-1][1] == self.status

    @invariant()
    def a_delivered_order_is_settled_exactly_once(self) -> None:
        if self.order is None:
            return
        row = Order.objects.get(pk=self.order.pk)
        settlements = Transaction.objects.filter(
            company=self.ow.company, key=f"order:{row.pk}:delivery"
        )
        assert settlements.count() == (1 if self.status == S.DELIVERED else 0)
        if self.status == S.DELIVERED:
            assert row.settlement_id == settlements.get().pk
            delivered = OrderEvent.objects.filter(order=row, to_status=S.DELIVERED).count()
            assert delivered == 1
        assert ledger_verify(company=self.ow.company) == []

    @invariant()
    def a_gas_order_only_ever_went_to_a_certified_courier(self) -> None:
        if self.order is None or not self.needs_gas:
            return
        holders = OrderEvent.objects.filter(order=self.order, courier__isnull=False)
        assert all(Skill.GAS_CERTIFIED in e.courier.skills for e in holders)  # type: ignore[union-attr]


def test_random_action_sequences_follow_the_graph() -> None:
    run_state_machine_as_test(
        OrderMachine,
        settings=settings(
            max_examples=30,
            database=None,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            report_multiple_bugs=False,
        ),
    )

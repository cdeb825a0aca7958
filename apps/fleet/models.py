"""Fleet: vehicles, shifts, courier positions, dispatch settings, route plans and their stops.

- A **shift** says who works when, from which depot, on which vehicle; while it
  is on, the courier is "on shift" (or "on break"); without one he is off.
- **Positions** are append-only: the phone reports, the row stays until the
  retention job removes old ones. The latest position of a courier is the
  newest row (an index on courier and time makes it one lookup).
- **Dispatch settings** are per depot: how a new order finds its courier
  (by hand, auto-assign, nearest, balanced, or offered to the grab pool).
- A **route plan** is one planning run for a depot, a day and a slot: a job
  fills its stops (courier, sequence, trip, planned times) and the orders it
  could not place with the reason; publishing assigns the orders to the
  couriers and sets their ETAs. Only one plan per depot and slot is published
  at a time; an older published one is superseded.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.org.models import CompanyScopedModel, Depot, StaffMember


class VehicleKind(models.TextChoices):
    E_TRIKE = "e_trike", _("Electric tricycle")
    MOTORBIKE = "motorbike", _("Motorbike")
    VAN = "van", _("Van")
    CAR = "car", _("Car")
    ON_FOOT = "on_foot", _("On foot")


class Vehicle(CompanyScopedModel):
    depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("depot")
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("type"), max_length=20, choices=VehicleKind.choices)
    plate = models.CharField(_("plate"), max_length=20, blank=True)
    capacity_units = models.PositiveIntegerField(
        _("capacity (load units)"),
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text=_("How much it carries in one trip, e.g. 12 buckets or 6 cylinders."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["depot__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="vehicle_unique_name",
                violation_error_message=_("A vehicle with this name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(capacity_units__gte=1), name="vehicle_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.plate})" if self.plate else self.name


class ShiftStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ON = "on", _("On shift")
    BREAK = "break", _("On break")
    ENDED = "ended", _("Ended")


class Shift(CompanyScopedModel):
    """One courier's working day: when, from which depot, with which vehicle."""

    courier = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("courier")
    )
    depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("depot")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shifts",
        verbose_name=_("vehicle"),
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    break_minutes = models.PositiveSmallIntegerField(
        _("break (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ShiftStatus.choices, default=ShiftStatus.PLANNED
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True, editable=False)
    break_started_at = models.DateTimeField(
        _("break started"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["date", "starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["courier", "date"],
                name="shift_one_per_courier_and_day",
                violation_error_message=_("This courier already has a shift on that day."),
            ),
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="shift_starts_before_it_ends",
                violation_error_message=_("A shift must start before it ends."),
            ),
        ]
        indexes = [models.Index(fields=["company", "date"], name="shift_company_date")]

    def __str__(self) -> str:
        return f"{self.courier.user.display_name} {self.date:%Y-%m-%d}"

    @property
    def is_working(self) -> bool:
        return self.status in (ShiftStatus.ON, ShiftStatus.BREAK)


class CourierPosition(CompanyScopedModel):
    """Where a courier's phone said it was; append-only."""

    courier = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="positions", verbose_name=_("courier")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("courier position")
        verbose_name_plural = _("courier positions")
        ordering = ["-recorded_at"]
        indexes = [
            models.Index(fields=["courier", "-recorded_at"], name="position_courier_latest"),
            models.Index(fields=["company", "recorded_at"], name="position_company_time"),
        ]

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude} @ {self.recorded_at:%H:%M:%S}"


class DispatchPolicy(models.TextChoices):
    MANUAL = "manual", _("By hand")
    AUTO = "auto", _("Auto-assign (least added time)")
    NEAREST = "nearest", _("Nearest available courier")
    BALANCED = "balanced", _("Balanced (fewest open orders)")
    GRAB = "grab", _("Grab pool (couriers claim)")


class DispatchSettings(CompanyScopedModel):
    """How a depot's new orders find their courier."""

    depot = models.OneToOneField(
        Depot, on_delete=models.CASCADE, related_name="dispatch", verbose_name=_("depot")
    )
    policy = models.CharField(
        _("dispatch"), max_length=10, choices=DispatchPolicy.choices, default=DispatchPolicy.MANUAL
    )
    grab_radius_km = models.DecimalField(
        _("grab pool radius (km)"),
        max_digits=5,
        decimal_places=1,
        default=5,
        validators=[MinValueValidator(0.1), MaxValueValidator(100)],
    )
    grab_timeout_minutes = models.PositiveSmallIntegerField(
        _("auto-assign after (minutes unclaimed)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    max_open_orders = models.PositiveSmallIntegerField(
        _("open orders per courier at most"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )

    class Meta:
        verbose_name = _("dispatch settings")
        verbose_name_plural = _("dispatch settings")

    def __str__(self) -> str:
        return str(self.depot)


class PlanStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Planning")
    DONE = "done", _("Ready to publish")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class RoutePlan(CompanyScopedModel):
    depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, related_name="route_plans", verbose_name=_("depot")
    )
    date = models.DateField(_("date"))
    slot_start = models.TimeField(_("from"))
    slot_end = models.TimeField(_("until"))
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    time_limit_s = models.PositiveSmallIntegerField(
        _("time limit (seconds)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    total_distance_m = models.PositiveIntegerField(_("total distance (m)"), default=0)
    total_duration_s = models.PositiveIntegerField(_("total time (s)"), default=0)
    created_by = models.ForeignKey(
        "org.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("planned by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("route plan")
        verbose_name_plural = _("route plans")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_start__lt=F("slot_end")),
                name="route_plan_slot_ordered",
                violation_error_message=_("The slot must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["depot", "date", "slot_start", "slot_end"],
                condition=Q(status="published"),
                name="route_plan_one_published_per_slot",
            ),
            models.UniqueConstraint(
                fields=["depot", "date", "slot_start", "slot_end"],
                condition=Q(status__in=["queued", "running"]),
                name="route_plan_one_computing_per_slot",
                violation_error_message=_("A plan for this slot is already being computed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.depot} {self.date:%Y-%m-%d} {self.slot_start:%H:%M}–{self.slot_end:%H:%M}"

    @property
    def is_running(self) -> bool:
        return self.status in (PlanStatus.QUEUED, PlanStatus.RUNNING)


class CourierRoute(models.Model):
    """One courier's part of a plan: where and when he may start, and what his route adds up to.

    Every courier the planner could use has a row, with stops or without, so that a
    dispatcher can move a stop onto an idle courier and the route can be timed again.
    """

    plan = models.ForeignKey(
        RoutePlan, on_delete=models.CASCADE, related_name="routes", verbose_name=_("plan")
    )
    courier = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("courier")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vehicle"),
    )
    starts_at = models.DateTimeField(_("may start at"))
    # Where the route starts when it is not the depot (the courier's position when planned).
    start_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    start_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    ends_at = models.DateTimeField(_("back at the depot"), null=True, blank=True)
    break_at = models.DateTimeField(_("break"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance (m)"), default=0)
    duration_s = models.PositiveIntegerField(_("time (s)"), default=0)
    trip_loads = models.JSONField(_("load per trip"), default=list, blank=True)

    class Meta:
        verbose_name = _("courier route")
        verbose_name_plural = _("courier routes")
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "courier"], name="courier_route_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.courier_id}"


class RouteStop(models.Model):
    """One order in a plan: who takes it, in which trip, in what order, when."""

    plan = models.ForeignKey(
        RoutePlan, on_delete=models.CASCADE, related_name="stops", verbose_name=_("plan")
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="route_stops",
        verbose_name=_("order"),
    )
    courier = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="route_stops",
        verbose_name=_("courier"),
    )
    trip = models.PositiveSmallIntegerField(_("trip"), default=1)
    sequence = models.PositiveSmallIntegerField(_("stop"), default=0)
    arrival_at = models.DateTimeField(_("planned arrival"), null=True, blank=True)
    departure_at = models.DateTimeField(_("planned departure"), null=True, blank=True)
    load_after = models.PositiveIntegerField(_("load after the stop"), default=0)
    # Set when the planner could not place the order; the courier is then empty.
    dropped_reason = models.CharField(_("not placed because"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        ordering = ["plan", "courier", "trip", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="route_stop_once_per_plan"),
            models.CheckConstraint(
                condition=Q(courier__isnull=False) | ~Q(dropped_reason=""),
                name="route_stop_placed_or_dropped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.order_id}"


class GrabOutcome(models.TextChoices):
    CLAIMED = "claimed", _("Claimed by a courier")
    AUTO_ASSIGNED = "auto_assigned", _("Nobody claimed it: assigned automatically")
    UNPLACED = "unplaced", _("Nobody claimed it and no courier could take it")
    WITHDRAWN = "withdrawn", _("Assigned or cancelled meanwhile")


class GrabOffer(CompanyScopedModel):
    """An order offered in a depot's grab pool (抢单) until a courier claims it.

    While the offer is open, couriers on shift within the depot's radius see the
    order and may claim it; when it expires unclaimed, a job assigns it the
    automatic way. A courier who hands back an order he was given puts it back with
    ``declined_by`` set: it is not offered to him again.
    """

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="grab_offers",
        verbose_name=_("order"),
    )
    depot = models.ForeignKey(
        Depot, on_delete=models.CASCADE, related_name="grab_offers", verbose_name=_("depot")
    )
    offered_at = models.DateTimeField(_("offered"))
    expires_at = models.DateTimeField(_("assigned automatically after"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=GrabOutcome.choices, blank=True)
    courier = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("given to"),
    )
    declined_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed back by"),
    )

    class Meta:
        verbose_name = _("grab pool offer")
        verbose_name_plural = _("grab pool offers")
        ordering = ["-offered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(closed_at__isnull=True),
                name="grab_offer_one_open_per_order",
            ),
        ]
        indexes = [
            models.Index(
                fields=["depot", "offered_at"],
                condition=Q(closed_at__isnull=True),
                name="grab_offer_open_by_depot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} @ {self.offered_at:%H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CommissionSettings(CompanyScopedModel):
    """What a courier earns per delivery: per order, per unit and per floor carried up."""

    per_order_fen = models.PositiveIntegerField(_("per order (fen)"), default=0)
    per_unit_fen = models.PositiveIntegerField(_("per unit delivered (fen)"), default=0)
    per_floor_fen = models.PositiveIntegerField(
        _("per unit and floor carried without elevator (fen)"), default=0
    )

    class Meta:
        verbose_name = _("commission rules")
        verbose_name_plural = _("commission rules")
        constraints = [
            models.UniqueConstraint(fields=["company"], name="commission_settings_one_per_company")
        ]

    def __str__(self) -> str:
        return str(self.company)


class CourierActionKind(models.TextChoices):
    ARRIVE = "arrive", _("Arrived")
    DELIVER = "deliver", _("Delivered")
    FAIL = "fail", _("Could not deliver")
    CHANGE = "change", _("Changed the products")
    ACCEPT = "accept", _("Accepted")
    HAND_BACK = "hand_back", _("Handed back")


class CourierActionOutcome(models.TextChoices):
    APPLIED = "applied", _("Recorded")
    CONFLICT = "conflict", _("Not recorded: the order changed meanwhile")
    REFUSED = "refused", _("Not recorded")


class CourierAction(CompanyScopedModel):
    """One action a courier took on his phone, as it reached the server.

    The phone gives each action a key when the courier taps; a retry of the same
    key returns the first outcome and records nothing again. Actions taken
    without signal arrive later with the time and place they really happened.
    An action that could not be recorded (the order was reassigned meanwhile)
    stays here with the reason until the courier has seen it.
    """

    courier = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="actions", verbose_name=_("courier")
    )
    key = models.CharField(_("key"), max_length=64)
    kind = models.CharField(_("action"), max_length=12, choices=CourierActionKind.choices)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="courier_actions",
        verbose_name=_("order"),
    )
    payload = models.JSONField(_("details"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("taken"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CourierActionOutcome.choices)
    message = models.CharField(_("message"), max_length=300, blank=True)
    seen_at = models.DateTimeField(_("seen by the courier"), null=True, blank=True)

    class Meta:
        verbose_name = _("courier action")
        verbose_name_plural = _("courier actions")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["courier", "key"], name="courier_action_unique_key")
        ]
        indexes = [models.Index(fields=["courier", "outcome"], name="courier_action_outcome")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


class DeliveryPhoto(CompanyScopedModel):
    """A photo or signature a courier took at a stop, as proof or to show a problem."""

    class Purpose(models.TextChoices):
        PROOF = "proof", _("Proof of delivery")
        SIGNATURE = "signature", _("Signature")
        PROBLEM = "problem", _("Problem")

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="photos", verbose_name=_("order")
    )
    courier = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("courier")
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    image = models.ImageField(_("image"), upload_to="delivery/%Y/%m/")
    taken_at = models.DateTimeField(_("taken"))

    class Meta:
        verbose_name = _("delivery photo")
        verbose_name_plural = _("delivery photos")
        ordering = ["taken_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_purpose_display()}"


class HandoverConfirmation(CompanyScopedModel):
    """The courier confirmed his end-of-day figures (交账) before the depot counts them."""

    courier = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="+", verbose_name=_("courier")
    )
    day = models.DateField(_("day"))
    figures = models.JSONField(_("figures"), default=dict)
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True)

    class Meta:
        verbose_name = _("hand-over confirmation")
        verbose_name_plural = _("hand-over confirmations")
        constraints = [
            models.UniqueConstraint(fields=["courier", "day"], name="handover_confirmed_once")
        ]

    def __str__(self) -> str:
        return f"{self.courier} {self.day}"

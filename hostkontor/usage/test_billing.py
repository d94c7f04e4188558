"""Usage lines in billing runs, with hand-computed values.

vnStat daily sample (eth0, 1-14 May 2024, Europe/Berlin days):
  rx total 66,859,667,510 B, tx total 446,670,635,426 B -> in + out 513,530,302,936 B
  = 513.530302936 GB (10^9). Included 400 GB -> overage 113.53.. -> per started GB 114 GB
  x 0.10 EUR = 11.40 EUR.
rrdtool sample (12 five-minute samples, 14 May 2024 00:00-01:00 local):
  out sorted ascending, index round(0.95 x 11) = 10 -> 341,304,531.23 bit/s; in -> 71,350,704.4
  bit/s; direction max -> 341.30453123 Mbit/s. Included 100 -> 241.30.. -> 242 Mbit/s x 5.00
  EUR = 1,210.00 EUR.
"""

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from hostkontor.billing.models import InvoiceLine
from hostkontor.billing.runs import billing_run_create, billing_run_execute
from hostkontor.testing.factories import make_contract, make_customer

from .billing import format_number, usage_lines_for
from .models import SubjectMapping, UsageComponent, UsagePeriodHold
from .services import hold_confirm, usage_import

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "parsers" / "fixtures"
MAY = (date(2024, 5, 1), date(2024, 5, 31))


def run_on(day: date):
    return billing_run_execute(run=billing_run_create(actor=None, run_date=day))


def import_sample(fmt: str, name: str):
    return usage_import(actor=None, data=(FIXTURES / name).read_bytes(), filename=name, format=fmt)


def contract(number="K1", reference="V-1", **fields):
    values = {
        "start": date(2024, 5, 1),
        "interval": "month",
        "fee": Decimal("19.00"),
        "mode": "advance",
    }
    values.update(fields)
    return make_contract(make_customer(number), reference, **values)


def traffic(contract_, **fields) -> UsageComponent:
    values = {
        "name": "Traffic",
        "metric": "traffic_bytes",
        "unit": "GB",
        "included": Decimal("400"),
        "unit_price": Decimal("0.10"),
        "direction": "sum",
        "aggregation": "volume",
    }
    values.update(fields)
    component = UsageComponent.objects.create(contract=contract_, **values)
    SubjectMapping.objects.create(subject_key="eth0", component=component)
    return component


def percentile_component(contract_) -> UsageComponent:
    component = UsageComponent.objects.create(
        contract=contract_,
        name="Bandbreite",
        metric="traffic_bps",
        unit="Mbit/s",
        included=Decimal("100"),
        unit_price=Decimal("5.00"),
        direction="max",
        aggregation="percentile95",
    )
    SubjectMapping.objects.create(subject_key="in_bps", source="rrd", component=component)
    SubjectMapping.objects.create(subject_key="out_bps", source="rrd", component=component)
    return component


def usage_lines(invoice) -> list[tuple]:
    return [
        (
            line.usage_component_id,
            line.period_start,
            line.period_end,
            line.quantity,
            line.unit_price,
            line.net,
            line.description,
        )
        for line in invoice.lines.filter(kind="usage").order_by("position")
    ]


def test_included_traffic_and_overage_are_billed_in_arrears_exactly_once():
    # given a monthly contract from 1 May 2024 with 400 GB included, 0.10 EUR per started GB
    component = traffic(contract())
    import_sample("vnstat", "vnstat_json_d_eth0.json")
    # when billed on 31 May the usage of May is not due yet (arrears)
    [first] = run_on(date(2024, 5, 31))
    assert usage_lines(first) == []
    # when billed on 1 June
    [invoice] = run_on(date(2024, 6, 1))
    # then May's usage is its own line: 114 GB x 0.10 = 11.40
    assert usage_lines(invoice) == [
        (
            component.pk,
            *MAY,
            Decimal("114.000"),
            Decimal("0.1000"),
            Decimal("11.40"),
            "Traffic 01.05.2024 – 31.05.2024: gemessen 513,53 GB, inkl. 400 GB, berechnet 114 GB à 0,10 €",
        )
    ]
    usage_line = invoice.lines.get(kind="usage")
    assert (usage_line.contract.reference, usage_line.tax_rate) == ("V-1", Decimal("19.00"))
    # and the next run bills it no more
    assert run_on(date(2024, 6, 2)) == []
    assert InvoiceLine.objects.filter(kind="usage").count() == 1


def test_the_higher_direction_and_binary_gigabytes():
    # given direction max (out: 446,670,635,426 B) in GB of 2^30 -> 415.99.. GB, 400 included
    traffic(contract(), direction="max", byte_base=2**30)
    import_sample("vnstat", "vnstat_json_d_eth0.json")
    [invoice] = run_on(date(2024, 6, 1))
    # then 16 started GB x 0.10 = 1.60
    [(_, _, _, quantity, _, net, description)] = usage_lines(invoice)
    assert (quantity, net) == (Decimal("16.000"), Decimal("1.60"))
    assert "gemessen 415,99 GB" in description


def test_95th_percentile_is_billed_like_rrdtool():
    # given a 95th percentile component (higher of in/out, 100 Mbit/s included, 5.00 per Mbit/s)
    component = percentile_component(contract())
    import_sample("rrd", "rrdtool_xport_sw1-gi0-12.xml")
    [invoice] = run_on(date(2024, 6, 1))
    assert usage_lines(invoice) == [
        (
            component.pk,
            *MAY,
            Decimal("242.000"),
            Decimal("5.0000"),
            Decimal("1210.00"),
            "Bandbreite 01.05.2024 – 31.05.2024: gemessen 341,3 Mbit/s, inkl. 100 Mbit/s, berechnet 242 Mbit/s à 5,00 €",
        )
    ]


def test_billing_run_json_shows_usage_lines_with_the_billable_quantity():
    # given both kinds of components on two customers
    traffic(contract("K1", "V-1"))
    percentile_component(contract("K2", "V-2"))
    import_sample("vnstat", "vnstat_json_d_eth0.json")
    import_sample("rrd", "rrdtool_xport_sw1-gi0-12.xml")
    # when a dry run and then a real run report as JSON
    reports = []
    for flags in (["--dry-run"], []):
        out = StringIO()
        call_command("billing_run", "--date", "2024-06-01", *flags, "--format", "json", stdout=out)
        reports.append(json.loads(out.getvalue()))
    # then both show one usage line per contract with kind usage and quantity = billable
    for report in reports:
        usage = [
            (
                line["contract"],
                line["kind"],
                line["period_start"],
                line["period_end"],
                line["quantity"],
                line["net"],
            )
            for invoice in report["invoices"]
            for line in invoice["lines"]
            if line["kind"] == "usage"
        ]
        assert usage == [
            ("V-1", "usage", "2024-05-01", "2024-05-31", "114", "11.40"),
            ("V-2", "usage", "2024-05-01", "2024-05-31", "242", "1210.00"),
        ]
    # and K1's invoice: May and June in advance (19.00 each) plus 11.40 usage
    k1 = reports[1]["invoices"][0]
    assert (k1["customer_number"], k1["net"], k1["tax"], k1["gross"]) == (
        "K1",
        "49.40",
        "9.39",
        "58.79",
    )


def test_a_period_with_gaps_is_held_until_confirmed():
    # given daily samples expected, but only 1-14 May imported
    component = traffic(contract(), sample_interval=86400)
    # when imported, the ended period May is flagged with its gap (15-31 May, 17 days)
    import_sample("vnstat", "vnstat_json_d_eth0.json")
    hold = UsagePeriodHold.objects.get()
    assert (
        hold.component_id,
        hold.period_start,
        hold.period_end,
        hold.status,
        hold.missing_samples,
    ) == (
        component.pk,
        *MAY,
        "open",
        17,
    )
    assert hold.gaps == [
        {"subject": "eth0", "start": "2024-05-14T22:00:00Z", "end": "2024-05-31T22:00:00Z"}
    ]
    assert hold.coverage == Decimal("0.4516")  # 14 of 31 days
    # and neither a preview nor a run bills it
    assert usage_lines_for([component.contract.customer_id], date(2024, 6, 1)) == {}
    [invoice] = run_on(date(2024, 6, 1))
    assert usage_lines(invoice) == []
    assert run_on(date(2024, 6, 2)) == []
    # when someone confirms the period
    hold_confirm(actor=None, component=component, period_start=MAY[0], period_end=MAY[1])
    # then the next run bills it as measured
    [invoice] = run_on(date(2024, 6, 3))
    assert [(q, n) for _, _, _, q, _, n, _ in usage_lines(invoice)] == [
        (Decimal("114.000"), Decimal("11.40"))
    ]


def test_a_later_import_that_fills_the_gap_releases_the_period():
    component = traffic(contract(), sample_interval=86400)
    import_sample("vnstat", "vnstat_json_d_eth0.json")
    [invoice] = run_on(date(2024, 6, 1))
    assert usage_lines(invoice) == []
    assert UsagePeriodHold.objects.get().status == "open"
    # when the missing days 15-31 May arrive (1 GB in each) through a CSV format
    rows = "".join(f"eth0;traffic_bytes_in;{day:02d}.05.2024;1000000000\n" for day in range(15, 32))
    record = usage_import(
        actor=None,
        data=("subject;metric;day;bytes\n" + rows).encode(),
        filename="rest.csv",
        mapping="""kind = "csv"
[csv]
delimiter = ";"
[usage]
interval = 86400
[fields.subject]
column = "subject"
[fields.metric]
column = "metric"
[fields.start]
column = "day"
type = "date"
format = "dd.mm.yyyy"
[fields.quantity]
column = "bytes"
type = "int"
""",
    )
    # then the import reports May as changed and marks the hold filled
    assert [p["period_start"] for p in record.periods_changed] == ["2024-05-01"]
    assert UsagePeriodHold.objects.get().status == "filled"
    # and the next run bills 530.53.. GB: 131 GB x 0.10 = 13.10
    [invoice] = run_on(date(2024, 6, 2))
    assert [(q, n) for _, _, _, q, _, n, _ in usage_lines(invoice)] == [
        (Decimal("131.000"), Decimal("13.10"))
    ]
    assert component.pk == invoice.lines.get(kind="usage").usage_component_id


def test_tiered_pricing_and_english_text():
    # given graduated tiers: first 100 GB at 0.10, above at 0.05; English customer
    c = contract()
    c.customer.language = "en"
    c.customer.save()
    traffic(
        c,
        unit_price=None,
        tiers=[{"up_to": "100", "unit_price": "0.10"}, {"up_to": None, "unit_price": "0.05"}],
    )
    import_sample("vnstat", "vnstat_json_d_eth0.json")
    [invoice] = run_on(date(2024, 6, 1))
    # then 114 GB = 100 x 0.10 + 14 x 0.05 = 10.70
    [(_, _, _, quantity, unit_price, net, description)] = usage_lines(invoice)
    assert (quantity, unit_price, net) == (Decimal("114.000"), None, Decimal("10.70"))
    assert description == (
        "Traffic 01.05.2024 – 31.05.2024: measured 513.53 GB, incl. 400 GB, "
        "billed 114 GB (100 GB at 0.10 €, 14 GB at 0.05 €)"
    )


def test_periods_billed_by_an_earlier_system_and_before_billed_from_are_skipped():
    traffic(contract(billed_until=date(2024, 5, 31)))
    import_sample("vnstat", "vnstat_json_d_eth0.json")
    [invoice] = run_on(date(2024, 6, 1))
    assert usage_lines(invoice) == []


def test_usage_lines_for_runs_a_fixed_number_of_queries(django_assert_num_queries):
    # given one customer with one component
    traffic(contract("K1", "V-1"))
    import_sample("vnstat", "vnstat_json_d_eth0.json")
    import_sample("rrd", "rrdtool_xport_sw1-gi0-12.xml")
    ids = [c.pk for c in _customers()]
    with django_assert_num_queries(5):
        few = usage_lines_for(ids, date(2024, 6, 1))
    # and then four customers with two components each
    for n in range(2, 5):
        c = contract(f"K{n}", f"V-{n}")
        traffic(c)
        percentile_component(c)
    ids = [c.pk for c in _customers()]
    with django_assert_num_queries(5):
        many = usage_lines_for(ids, date(2024, 6, 1))
    assert (len(few), sum(len(v) for v in many.values())) == (1, 7)


def _customers():
    from hostkontor.customers.models import Customer

    return Customer.objects.order_by("pk")


def test_format_number():
    assert format_number(Decimal("1234.5"), "de") == "1.234,5"
    assert format_number(Decimal("1234567.891"), "en", places=2) == "1,234,567.89"
    assert format_number(Decimal("0.1"), "de", min_places=2) == "0,10"
    assert format_number(Decimal("1000"), "de") == "1.000"

"""Beat and missed jobs (shopctrl/beat.py).

Celery's own PersistentScheduler sends a job missed while beat was down once when beat
starts again with its schedule file, but skips a job whose send the broker refused until
its next due time. RetryingScheduler sends such a job again on the next tick, once the
broker takes it, exactly once. The clock is the schedule's (`crontab(nowfun=...)`), so
"a day later" takes no time.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from celery.apps.beat import Beat
from celery.beat import PersistentScheduler, Scheduler, Service
from celery.schedules import crontab
from django.conf import settings
from kombu import Producer
from kombu.exceptions import OperationalError

from shopctrl.beat import RetryingScheduler
from shopctrl.celery import app as project_app
from tests.support.tcp_proxy import tcp_proxy

START = datetime(2025, 3, 3, 3, 16, 50, tzinfo=UTC)  # a Monday, ten seconds before 03:17
_now = [START]


def clock() -> datetime:
    """The schedules' clock (a module-level function: the schedule file pickles it)."""
    return _now[0]


def at(moment: datetime) -> None:
    _now[0] = moment


class Broker:
    """What beat's producer sends to, refusing while it is down (as kombu raises then)."""

    down = False
    sent: list[str] = []

    @classmethod
    def refuse(cls) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


class BrokerProducer(Producer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if Broker.down:  # beat connects on its first send: a broker down then refuses it
            Broker.refuse()
        super().__init__(*args, **kwargs)

    def publish(self, body: Any, *args: Any, headers: Any = None, **kwargs: Any) -> None:
        if Broker.down:
            Broker.refuse()
        Broker.sent.append(headers["task"])


@pytest.fixture(autouse=True)
def _fresh_broker():
    at(START)
    Broker.down = False
    Broker.sent = []


def job() -> None:
    """The scheduled jobs' body (never run: these tests look at what beat sends)."""


def beat_app(**schedule: crontab) -> Celery:
    app = Celery("beat-test", broker="memory://", set_as_current=False)
    app.conf.update(timezone="UTC", beat_sync_every=1)
    app.conf.beat_schedule = {
        name: {"task": f"beat_test.{name}", "schedule": every} for name, every in schedule.items()
    }
    for name in schedule:
        app.task(name=f"beat_test.{name}", shared=False)(job)
    return app


def daily_app() -> Celery:
    return beat_app(daily=crontab(hour=3, minute=17, nowfun=clock))


def scheduler(app: Celery, path: Path, cls: type[Scheduler] = RetryingScheduler) -> Scheduler:
    return cls(app, schedule_filename=str(path / "beat-schedule"), Producer=BrokerProducer)


def run_due(beat: Scheduler) -> float:
    """Tick as beat's loop does while jobs are due; the delay it would then sleep."""
    for _ in range(50):
        delay = beat.tick()
        if delay:
            return delay
    raise AssertionError("beat kept finding due jobs")


def test_celerys_scheduler_skips_a_daily_job_the_broker_refused_until_the_next_day(tmp_path):
    """Why shopctrl/beat.py exists (and the test to drop it by, should Celery change)."""
    beat = scheduler(daily_app(), tmp_path, PersistentScheduler)
    run_due(beat)
    assert beat.producer  # beat connected while the broker was up
    at(START + timedelta(seconds=11))  # 03:17:01
    Broker.down = True

    run_due(beat)
    Broker.down = False
    for later in (timedelta(seconds=30), timedelta(hours=1), timedelta(hours=23)):
        at(START + later)
        run_due(beat)

    assert Broker.sent == []  # the day's job was never sent
    at(START + timedelta(days=1, seconds=11))
    run_due(beat)
    assert Broker.sent == ["beat_test.daily"]  # only the next day's


def test_beat_sends_a_job_the_broker_refused_once_the_broker_is_back(tmp_path):
    beat = scheduler(daily_app(), tmp_path)
    run_due(beat)
    assert beat.producer  # beat connected while the broker was up
    at(START + timedelta(seconds=11))
    Broker.down = True

    assert run_due(beat) == RetryingScheduler.send_retry_interval
    at(START + timedelta(seconds=21))
    assert run_due(beat) == RetryingScheduler.send_retry_interval  # still down: tried again
    assert Broker.sent == []
    assert beat.schedule["daily"].last_run_at == START  # not advanced past the missed send

    Broker.down = False
    at(START + timedelta(seconds=31))
    run_due(beat)
    assert Broker.sent == ["beat_test.daily"]
    for later in (timedelta(seconds=41), timedelta(minutes=5), timedelta(hours=23)):
        at(START + later)
        run_due(beat)
    assert Broker.sent == ["beat_test.daily"]  # exactly once
    at(START + timedelta(days=1, seconds=11))
    run_due(beat)
    assert Broker.sent == ["beat_test.daily"] * 2  # and the next day as usual


def test_a_refused_job_stays_due_in_the_schedule_file_across_a_beat_restart(tmp_path):
    app = daily_app()
    beat = scheduler(app, tmp_path)
    run_due(beat)
    at(START + timedelta(seconds=11))
    Broker.down = True
    run_due(beat)
    beat.close()  # beat restarted during the outage

    Broker.down = False
    at(START + timedelta(minutes=10))
    again = scheduler(app, tmp_path)
    run_due(again)
    run_due(again)

    assert Broker.sent == ["beat_test.daily"]


def test_beat_started_while_the_broker_is_down_keeps_going_and_sends_later(tmp_path):
    beat = scheduler(daily_app(), tmp_path)
    run_due(beat)  # nothing due yet: no connection made
    at(START + timedelta(seconds=11))
    Broker.down = True  # beat's first send has to connect: refused

    assert run_due(beat) == RetryingScheduler.send_retry_interval  # Celery's would raise

    Broker.down = False
    at(START + timedelta(seconds=21))
    run_due(beat)
    at(START + timedelta(minutes=1))
    run_due(beat)
    assert Broker.sent == ["beat_test.daily"]


@pytest.mark.parametrize("cls", [PersistentScheduler, RetryingScheduler])
def test_beat_restarted_after_being_down_sends_each_missed_job_once(tmp_path, cls):
    app = beat_app(
        daily=crontab(hour=3, minute=17, nowfun=clock),
        hourly=crontab(minute=23, nowfun=clock),
        weekly=crontab(day_of_week=1, hour=6, minute=5, nowfun=clock),
    )
    beat = scheduler(app, tmp_path, cls)
    at(START + timedelta(seconds=11))
    run_due(beat)
    assert Broker.sent == ["beat_test.daily"]
    beat.close()

    at(START + timedelta(days=9))  # down over nine daily, many hourly and a weekly run
    again = scheduler(app, tmp_path, cls)
    run_due(again)
    run_due(again)

    assert sorted(Broker.sent[1:]) == ["beat_test.daily", "beat_test.hourly", "beat_test.weekly"]


@pytest.mark.parametrize("cls", [PersistentScheduler, RetryingScheduler])
def test_beat_restarted_without_its_schedule_file_sends_nothing_missed(tmp_path, cls):
    """Why beat's schedule file must outlive the process (a volume in docker-compose)."""
    app = daily_app()
    beat = scheduler(app, tmp_path, cls)
    at(START + timedelta(seconds=11))
    run_due(beat)
    beat.close()

    at(START + timedelta(days=2, hours=5))
    fresh = tmp_path / "new"
    fresh.mkdir()
    run_due(scheduler(app, fresh, cls))

    assert Broker.sent == ["beat_test.daily"]  # the two missed days are not sent


@pytest.mark.django_db
def test_beat_on_real_redis_sends_a_refused_job_once_redis_is_back(tmp_path):
    """The same through kombu's Redis transport: Redis goes away under beat (a proxy cut)."""
    target = redis.Redis.from_url(settings.REDIS_URL)
    where = target.connection_pool.connection_kwargs
    host, port, db = where["host"], where["port"], where.get("db", 0)
    queue = f"beat-test-{tmp_path.name}"
    with tcp_proxy(host, port) as proxy:
        app = Celery(
            "beat-redis-test", broker=f"redis://127.0.0.1:{proxy.port}/{db}", set_as_current=False
        )
        app.conf.update(timezone="UTC", broker_connection_max_retries=1)
        app.conf.beat_schedule = {
            "daily": {
                "task": "beat_test.daily",
                "schedule": crontab(hour=3, minute=17, nowfun=clock),
                "options": {"queue": queue},
            }
        }
        beat = RetryingScheduler(app, schedule_filename=str(tmp_path / "beat-schedule"))
        try:
            run_due(beat)
            assert beat.producer.connection.connected  # beat connected while Redis was up
            proxy.down()
            at(START + timedelta(seconds=11))
            assert run_due(beat) == RetryingScheduler.send_retry_interval
            assert target.llen(queue) == 0

            proxy.back()
            at(START + timedelta(seconds=21))
            run_due(beat)
            at(START + timedelta(hours=1))
            run_due(beat)

            assert target.llen(queue) == 1
        finally:
            beat.close()
            target.delete(queue, f"_kombu.binding.{queue}")


def test_the_project_beat_uses_the_retrying_scheduler(tmp_path):
    """What `celery -A shopctrl beat` builds (celery/apps/beat.py) without `--scheduler`."""
    beat = Beat(app=project_app, schedule=str(tmp_path / "beat-schedule"), quiet=True)
    service = Service(
        project_app, scheduler_cls=beat.scheduler_cls, schedule_filename=beat.schedule
    )
    assert isinstance(service.get_scheduler(lazy=True), RetryingScheduler)
    assert project_app.conf.beat_sync_every == 1

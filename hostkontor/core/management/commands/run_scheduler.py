import time

from django.core.management.base import BaseCommand, no_translations
from django.utils import timezone

from hostkontor.core.scheduling import scheduler_tick


class Command(BaseCommand):
    help = "Enqueue due periodic jobs. Runs forever (every --interval seconds) or once with --once (for cron)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="tick once and exit")
        parser.add_argument("--interval", type=float, default=30.0)

    @no_translations  # commands print English (README)
    def handle(self, *, once: bool, interval: float, **options):
        while True:
            for name in scheduler_tick(now=timezone.now()):
                self.stdout.write(f"enqueued {name}")
            if once:
                return
            time.sleep(interval)

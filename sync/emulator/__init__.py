"""A faithful local emulator of the Uniconta HTTP gateway (rmja/unicontarest + extensions).

Public API: :func:`sync.emulator.app.create_app`, :func:`sync.emulator.server.running_emulator`,
:class:`sync.emulator.settings.EmulatorSettings` / :class:`~sync.emulator.settings.Faults`,
:data:`cli.emulator.app`; seed values in :mod:`sync.emulator.fixtures`.
"""

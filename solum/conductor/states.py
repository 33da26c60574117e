"""The workflow state machine, owned by the conductor.

Events are named after the state they lead to, so "move to X" is always
the event X; a move the machine does not declare is an illegal transition.
"""

from automaton import exceptions as automaton_exc
from automaton import machines

QUEUED = 'QUEUED'
UNIT_TESTING = 'UNIT_TESTING'
UNIT_TESTING_PASSED = 'UNIT_TESTING_PASSED'
UNIT_TESTING_FAILED = 'UNIT_TESTING_FAILED'
BUILDING = 'BUILDING'
BUILT = 'BUILT'
DEPLOYING = 'DEPLOYING'
STARTING_APP = 'STARTING_APP'
DEPLOYMENT_COMPLETE = 'DEPLOYMENT_COMPLETE'
ERROR = 'ERROR'
ERROR_CODE_DEPLOYMENT = 'ERROR_CODE_DEPLOYMENT'
ERROR_STACK_CREATE_FAILED = 'ERROR_STACK_CREATE_FAILED'
ERROR_STACK_DELETE_FAILED = 'ERROR_STACK_DELETE_FAILED'
DELETING = 'DELETING'

ERROR_STATES = frozenset([ERROR, ERROR_CODE_DEPLOYMENT,
                          ERROR_STACK_CREATE_FAILED,
                          ERROR_STACK_DELETE_FAILED, UNIT_TESTING_FAILED])

# States in which a worker is doing something for the workflow.
ACTIVE_STATES = frozenset([UNIT_TESTING, BUILDING, DEPLOYING, STARTING_APP])

# States where a workflow may rest: either finished, or between stages
# (BUILT and UNIT_TESTING_PASSED end a workflow whose actions stop there).
RESTING_STATES = frozenset([UNIT_TESTING_PASSED, BUILT, DEPLOYMENT_COMPLETE,
                            DELETING]) | ERROR_STATES

# Where a stage's success leaves a workflow until the conductor moves it on
# to the next stage (if its actions have one): a conductor that dies
# between those two moves leaves it resting there, unfinished.
BETWEEN_STAGES = frozenset([UNIT_TESTING_PASSED, BUILT])

ACTIONS = ('unittest', 'build', 'deploy')

_TRANSITIONS = {
    QUEUED: [UNIT_TESTING, BUILDING, DEPLOYING, ERROR, DELETING],
    UNIT_TESTING: [UNIT_TESTING_PASSED, UNIT_TESTING_FAILED, ERROR],
    # ERROR from between stages: the next stage cannot start (its app is
    # being deleted).
    UNIT_TESTING_PASSED: [BUILDING, ERROR, DELETING],
    UNIT_TESTING_FAILED: [DELETING],
    BUILDING: [BUILT, ERROR],
    BUILT: [DEPLOYING, ERROR, DELETING],
    DEPLOYING: [STARTING_APP, ERROR_CODE_DEPLOYMENT,
                ERROR_STACK_CREATE_FAILED, ERROR],
    STARTING_APP: [DEPLOYMENT_COMPLETE, ERROR_CODE_DEPLOYMENT,
                   ERROR_STACK_CREATE_FAILED, ERROR],
    DEPLOYMENT_COMPLETE: [DELETING],
    ERROR: [DELETING],
    ERROR_CODE_DEPLOYMENT: [DELETING],
    ERROR_STACK_CREATE_FAILED: [DELETING],
    ERROR_STACK_DELETE_FAILED: [DELETING],
    DELETING: [ERROR_STACK_DELETE_FAILED],
}


def _build_machine():
    machine = machines.FiniteMachine()
    for state in _TRANSITIONS:
        machine.add_state(state, terminal=not _TRANSITIONS[state])
    for source, targets in _TRANSITIONS.items():
        for target in targets:
            machine.add_transition(source, target, target)
    machine.freeze()
    return machine


_MACHINE = _build_machine()


def is_allowed(current, target):
    machine = _MACHINE.copy()
    try:
        machine.initialize(current)
        machine.process_event(target)
    except (automaton_exc.NotFound, automaton_exc.InvalidState):
        return False
    return True


def first_state(actions):
    """The state a new workflow with these actions starts its work in."""
    if 'unittest' in actions:
        return UNIT_TESTING
    if 'build' in actions:
        return BUILDING
    return DEPLOYING


def next_state(current, actions):
    """Where a workflow goes after ``current`` succeeded, or None when done.

    ``current`` is a success state: UNIT_TESTING_PASSED, BUILT or
    STARTING_APP's successor.
    """
    if current == UNIT_TESTING_PASSED and 'build' in actions:
        return BUILDING
    if current == BUILT and 'deploy' in actions:
        return DEPLOYING
    return None


def is_finished(status, actions):
    if status in ERROR_STATES or status in (DEPLOYMENT_COMPLETE, DELETING):
        return True
    if status in BETWEEN_STAGES:
        return next_state(status, actions) is None
    return False

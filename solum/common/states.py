"""The statuses of workflows, apps, releases and language packs, and the
workflow state machine.

Workers never name a workflow state: the builder and the deployer report
an *outcome* of the stage they ran ("tests passed", "serving",
"failed"), and the conductor alone turns it into moves of the machine
(``moves``). Events are named after the state they lead to, so "move to
X" is always the event X; a move the machine does not declare is an
illegal transition.
"""

from automaton import exceptions as automaton_exc
from automaton import machines

# ------------------------------------------------------------- workflows

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

# An app shows the state of its newest workflow; before its first one it
# is CREATED, and DELETING from its DELETE until its rows are gone.
APP_CREATED = 'CREATED'

ERROR_STATES = frozenset([ERROR, ERROR_CODE_DEPLOYMENT,
                          ERROR_STACK_CREATE_FAILED,
                          ERROR_STACK_DELETE_FAILED, UNIT_TESTING_FAILED])

# States in which a worker is doing something for the workflow.
ACTIVE_STATES = frozenset([UNIT_TESTING, BUILDING, DEPLOYING, STARTING_APP])

# Where a stage's success leaves a workflow until the conductor moves it on
# to the next stage (if its actions have one): a conductor that dies
# between those two moves leaves it resting there, unfinished.
BETWEEN_STAGES = frozenset([UNIT_TESTING_PASSED, BUILT])

UNITTEST = 'unittest'
BUILD = 'build'
DEPLOY = 'deploy'
ACTIONS = (UNITTEST, BUILD, DEPLOY)

# ------------------------------------------------------------- releases

RELEASE_DEPLOYING = 'DEPLOYING'
RELEASE_ACTIVE = 'ACTIVE'
RELEASE_SUPERSEDED = 'SUPERSEDED'
RELEASE_FAILED = 'FAILED'
# Releases that served traffic: a rollback may return to one.
RELEASES_DEPLOYED = (RELEASE_ACTIVE, RELEASE_SUPERSEDED)

# -------------------------------------------------------- language packs

LP_QUEUED = 'QUEUED'
LP_BUILDING = 'BUILDING'
LP_READY = 'READY'
LP_ERROR = 'ERROR'
LP_FINISHED = (LP_READY, LP_ERROR)

# ------------------------------------------------------------- machine

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
    if UNITTEST in actions:
        return UNIT_TESTING
    if BUILD in actions:
        return BUILDING
    return DEPLOYING


def next_state(current, actions):
    """Where a workflow goes after ``current`` succeeded, or None when done.

    ``current`` is a success state: UNIT_TESTING_PASSED, BUILT or
    STARTING_APP's successor.
    """
    if current == UNIT_TESTING_PASSED and BUILD in actions:
        return BUILDING
    if current == BUILT and DEPLOY in actions:
        return DEPLOYING
    return None


def is_finished(status, actions):
    if status in ERROR_STATES or status in (DEPLOYMENT_COMPLETE, DELETING):
        return True
    if status in BETWEEN_STAGES:
        return next_state(status, actions) is None
    return False


# ------------------------------------------------------------- outcomes

# What a worker reports of the stage (action) it ran.
TESTS_PASSED = 'tests passed'
TESTS_FAILED = 'tests failed'
IMAGE_BUILT = 'image built'
STARTING = 'starting'           # a release exists; its replicas start
SERVING = 'serving'             # traffic reaches the new release
APP_FAILED = 'app failed'       # the app's replicas never became healthy
STACK_FAILED = 'stack failed'   # the cloud refused or failed the stack
FAILED = 'failed'               # anything else; the reason says what

# The stage whose outcome a report is, and the status a workflow is in
# while that stage runs (a deploy redispatched after a restart runs from
# STARTING_APP).
STAGE_STATES = {
    UNITTEST: (UNIT_TESTING,),
    BUILD: (BUILDING,),
    DEPLOY: (DEPLOYING, STARTING_APP),
}

_OUTCOME_MOVES = {
    (UNITTEST, TESTS_PASSED): [(UNIT_TESTING, UNIT_TESTING_PASSED)],
    (UNITTEST, TESTS_FAILED): [(UNIT_TESTING, UNIT_TESTING_FAILED)],
    (BUILD, IMAGE_BUILT): [(BUILDING, BUILT)],
    (DEPLOY, STARTING): [(DEPLOYING, STARTING_APP)],
    # Reports are casts: "serving" may overtake "starting", so it moves a
    # workflow through STARTING_APP itself (and "starting" arriving after
    # it finds nothing to move).
    (DEPLOY, SERVING): [(DEPLOYING, STARTING_APP),
                        (STARTING_APP, DEPLOYMENT_COMPLETE)],
}
_FAILURE_STATES = {
    FAILED: ERROR,
    APP_FAILED: ERROR_CODE_DEPLOYMENT,
    STACK_FAILED: ERROR_STACK_CREATE_FAILED,
}


def moves(action, outcome):
    """The guarded moves, ``[(expected, target), ...]`` in order, that an
    ``outcome`` of stage ``action`` makes: each applies only to a
    workflow in ``expected``, so a late or repeated report moves
    nothing. Raises ValueError for an outcome the stage cannot have."""
    if action not in STAGE_STATES:
        raise ValueError('unknown stage %r' % action)
    if outcome in _FAILURE_STATES:
        failure = _FAILURE_STATES[outcome]
        if outcome == TESTS_FAILED or (
                failure != ERROR and action != DEPLOY):
            raise ValueError('%r is not an outcome of %s' % (outcome,
                                                             action))
        return [(state, failure) for state in STAGE_STATES[action]]
    try:
        return list(_OUTCOME_MOVES[(action, outcome)])
    except KeyError:
        raise ValueError('%r is not an outcome of %s' % (outcome, action))

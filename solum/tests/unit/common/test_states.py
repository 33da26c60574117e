import testtools

from solum.common import states


class TestStateMachine(testtools.TestCase):

    def test_happy_path_is_allowed(self):
        path = [states.QUEUED, states.UNIT_TESTING,
                states.UNIT_TESTING_PASSED, states.BUILDING, states.BUILT,
                states.DEPLOYING, states.STARTING_APP,
                states.DEPLOYMENT_COMPLETE, states.DELETING]
        for current, target in zip(path, path[1:], strict=False):
            self.assertTrue(states.is_allowed(current, target),
                            '%s -> %s' % (current, target))

    def test_illegal_transitions_are_refused(self):
        for current, target in (
                (states.QUEUED, states.BUILT),
                (states.BUILT, states.QUEUED),
                (states.UNIT_TESTING_FAILED, states.BUILDING),
                (states.ERROR, states.DEPLOYING),
                (states.DEPLOYMENT_COMPLETE, states.DEPLOYING),
                (states.DELETING, states.QUEUED),
                (states.BUILDING, 'NO_SUCH_STATE'),
                ('NO_SUCH_STATE', states.BUILDING)):
            self.assertFalse(states.is_allowed(current, target),
                             '%s -> %s' % (current, target))

    def test_every_active_state_can_fail(self):
        for state in states.ACTIVE_STATES:
            self.assertTrue(states.is_allowed(state, states.ERROR), state)

    def test_first_state_follows_actions(self):
        self.assertEqual(states.UNIT_TESTING,
                         states.first_state(['unittest', 'build']))
        self.assertEqual(states.BUILDING,
                         states.first_state(['build', 'deploy']))
        self.assertEqual(states.DEPLOYING, states.first_state(['deploy']))

    def test_next_state_and_finished(self):
        actions = ['unittest', 'build', 'deploy']
        self.assertEqual(states.BUILDING, states.next_state(
            states.UNIT_TESTING_PASSED, actions))
        self.assertEqual(states.DEPLOYING,
                         states.next_state(states.BUILT, actions))
        self.assertIsNone(states.next_state(states.BUILT, ['build']))
        self.assertTrue(states.is_finished(states.BUILT, ['build']))
        self.assertFalse(states.is_finished(states.BUILT, actions))
        self.assertTrue(states.is_finished(states.UNIT_TESTING_FAILED,
                                           actions))
        self.assertFalse(states.is_finished(states.QUEUED, actions))

    def test_between_stages_a_workflow_can_still_fail(self):
        # A workflow resting there with a stage to go (its app being
        # deleted) is failed, not left unfinished.
        self.assertEqual({states.UNIT_TESTING_PASSED, states.BUILT},
                         states.BETWEEN_STAGES)
        for state in states.BETWEEN_STAGES:
            self.assertTrue(states.is_allowed(state, states.ERROR), state)
            self.assertNotIn(state, states.ACTIVE_STATES)
        self.assertFalse(states.is_allowed(states.DEPLOYMENT_COMPLETE,
                                           states.ERROR))

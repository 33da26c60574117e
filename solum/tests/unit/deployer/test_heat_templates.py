"""The Heat driver's templates and the parameters of an app's stack
(no cloud: the real Heat validates them in the functional tests)."""

import base64
import json
import os
import shutil
import subprocess
import sys
import types

import fixtures
import yaml

from solum.deployer.heat import templates
from solum.tests import base


def app(parameters=None):
    return types.SimpleNamespace(uuid='7d1c8a0e-0000-4000-8000-000000000001',
                                 name='hello', project_id='p1',
                                 parameters=parameters or {})


def release(**config):
    return types.SimpleNamespace(number=4, image='localhost/solum/p1/h:4',
                                 config=config, uuid='r4')


def decode(text):
    return base64.b64decode(text).decode()


SETTINGS = {'variant': 'container_host', 'flavor': 'm1.small',
            'host_image': 'solum-container-host', 'glance_id': 'g-1',
            'image_url': 'http://glance/v2/images/g-1/file',
            'image_token': 'tok', 'quota': -1}


class TestShippedTemplates(base.TestCase):

    def load(self, name):
        return yaml.safe_load(templates.read(name))

    def test_every_template_is_hot_2021_04_16(self):
        names = templates.shipped()
        self.assertEqual(['app.yaml', 'container_host.yaml',
                          'nova_docker.yaml', 'zun.yaml'], names)
        for name in names:
            # yaml reads the version as a date; Heat reads the string
            self.assertEqual('2021-04-16', str(
                self.load(name)['heat_template_version']), name)

    def test_members_take_every_property_the_group_passes(self):
        main = self.load('app.yaml')
        passed = set(main['resources']['group']['properties']['resource']
                     ['properties'])
        for variant in templates.VARIANTS:
            member = self.load(templates.member_file(variant))
            self.assertEqual(passed, set(member['parameters']), variant)
            self.assertEqual({'server_id', 'address'},
                             set(member['outputs']), variant)

    def test_main_template_parameters_are_what_the_driver_renders(self):
        main = self.load('app.yaml')
        rendered = templates.parameters(app(), release(port=5000), 2,
                                        SETTINGS)
        # lb_algorithm keeps its default (ROUND_ROBIN)
        self.assertEqual(set(main['parameters']) - {'lb_algorithm'},
                         set(rendered))

    def test_only_current_resource_types(self):
        types_used = set()
        for name in templates.shipped():
            for res in self.load(name)['resources'].values():
                types_used.add(res['type'])
        self.assertFalse({'OS::Aodh::Alarm', 'OS::Ceilometer::Alarm',
                          'OS::Neutron::LBaaS::LoadBalancer'} & types_used)
        self.assertLessEqual(
            {'OS::Heat::AutoScalingGroup', 'OS::Heat::ScalingPolicy',
             'OS::Aodh::GnocchiAggregationByResourcesAlarm',
             'OS::Aodh::PrometheusAlarm',
             'OS::Octavia::LoadBalancer', 'OS::Octavia::Listener',
             'OS::Octavia::Pool', 'OS::Octavia::HealthMonitor',
             'OS::Octavia::PoolMember', 'OS::Nova::Server',
             'OS::Heat::WaitCondition', 'OS::Heat::WaitConditionHandle',
             'OS::Zun::Container'}, types_used)

    def test_lb_and_alarms_are_conditional(self):
        main = self.load('app.yaml')
        for name in ('loadbalancer', 'listener', 'pool', 'monitor'):
            self.assertEqual('lb', main['resources'][name]['condition'])
        for name, condition, policy in (
                ('cpu_high', 'gnocchi_alarms', 'scale_up'),
                ('cpu_low', 'gnocchi_alarms', 'scale_down'),
                ('prometheus_cpu_high', 'prometheus_alarms', 'scale_up'),
                ('prometheus_cpu_low', 'prometheus_alarms', 'scale_down')):
            alarm = main['resources'][name]
            self.assertEqual(condition, alarm['condition'], name)
            action = alarm['properties']['alarm_actions'][0]['str_replace']
            self.assertEqual('trust+URL', action['template'])
            self.assertEqual([policy, 'signal_url'],
                             action['params']['URL']['get_attr'])
        # each backend's alarms only with enable_alarms and that backend
        for backend in ('gnocchi', 'prometheus'):
            self.assertEqual({'and': [
                {'get_param': 'enable_alarms'},
                {'equals': [{'get_param': 'alarm_backend'}, backend]}]},
                main['conditions']['%s_alarms' % backend])
        self.assertEqual(
            ['gnocchi', 'prometheus'],
            main['parameters']['alarm_backend']['constraints'][0]
            ['allowed_values'])
        self.assertEqual('lb', main['outputs']['app_url']['condition'])

    def test_container_host_joins_the_pool_once_it_answers(self):
        # A pool member whose app does not answer yet gets requests its
        # host accepts and drops (HTTP 502 at the load balancer): the
        # member waits for the host's readiness signal.
        member = self.load('container_host.yaml')['resources']
        self.assertEqual('OS::Octavia::PoolMember', member['member']['type'])
        self.assertEqual(['wait'], member['member']['depends_on'])
        self.assertEqual('ready', member['wait']['condition'])
        self.assertEqual({'get_attr': ['server', 'networks',
                                       {'get_param': 'network'}, 0]},
                         member['member']['properties']['address'])

    def test_prometheus_alarms_query_the_stacks_members(self):
        """The query Heat renders: the operator's PromQL with this
        stack's id, name and the rate window put in; thresholds in %."""
        main = self.load('app.yaml')
        self.assertEqual(templates.DEFAULT_PROMETHEUS_CPU_QUERY,
                         main['parameters']['prometheus_cpu_query']
                         ['default'])
        from solum.conf import heat as heat_conf
        self.assertEqual(templates.DEFAULT_PROMETHEUS_CPU_QUERY, {
            o.name: o for o in heat_conf.opts}['prometheus_cpu_query']
            .default)
        for name, op, threshold in (
                ('prometheus_cpu_high', 'gt', 'cpu_high_percent'),
                ('prometheus_cpu_low', 'lt', 'cpu_low_percent')):
            props = main['resources'][name]['properties']
            self.assertEqual('OS::Aodh::PrometheusAlarm',
                             main['resources'][name]['type'])
            self.assertEqual((op, {'get_param': threshold}),
                             (props['comparison_operator'],
                              props['threshold']))
            query = props['query']['str_replace']
            self.assertEqual({'get_param': 'prometheus_cpu_query'},
                             query['template'])
            self.assertEqual({
                'STACK_ID': {'get_param': 'OS::stack_id'},
                'STACK_NAME': {'get_param': 'OS::stack_name'},
                'WINDOW': {'get_param': 'alarm_granularity'}},
                query['params'])
        # as Heat's str_replace renders the default for a stack
        rendered = templates.DEFAULT_PROMETHEUS_CPU_QUERY.replace(
            'STACK_ID', 'sid').replace('WINDOW', '300')
        self.assertEqual("avg(rate(ceilometer_cpu{server_group='sid'}"
                         "[300s])) / 10000000", rendered)

    def test_stack_files_map_the_member_type(self):
        template, files, env = templates.stack_files('nova_docker')
        self.assertIn('Solum::Member', template)
        self.assertEqual(['nova_docker.yaml'], list(files))
        self.assertEqual({'Solum::Member': 'nova_docker.yaml'},
                         env['resource_registry'])
        self.assertRaises(ValueError, templates.stack_files, 'kubernetes')


class TestParameters(base.TestCase):

    def test_container_host(self):
        p = templates.parameters(
            app(), release(port=5000, env={'GREETING': 'hi'},
                           run_cmd='python app.py',
                           health={'path': '/ping', 'timeout': 9}),
            2, SETTINGS)
        self.assertEqual('solum-container-host', p['image'])
        self.assertEqual('http://glance/v2/images/g-1/file',
                         decode(p['app_image_url_b64']))
        self.assertEqual('tok', decode(p['app_image_token_b64']))
        self.assertEqual(5000, p['port'])
        self.assertEqual({'GREETING': 'hi', 'SOLUM_APP': 'hello',
                          'SOLUM_RELEASE': '4'}, p['env'])
        self.assertEqual(('python app.py', '/ping', 9),
                         (p['run_cmd'], p['health_path'],
                          p['health_timeout']))
        self.assertEqual((1, 2, 2), (p['min_size'], p['max_size'],
                                     p['desired_capacity']))
        self.assertFalse(p['enable_lb'] or p['enable_alarms'] or
                         p['wait_for_ready'])

    def test_nova_docker_and_zun_boot_the_glance_image(self):
        for variant in ('nova_docker', 'zun'):
            p = templates.parameters(app(), release(), 1,
                                     dict(SETTINGS, variant=variant))
            self.assertEqual('g-1', p['image'])
            self.assertEqual(8080, p['port'])

    def test_scaling_settings_of_the_app(self):
        policy = {'min': 2, 'max': 6, 'target_cpu': 50, 'cooldown': 30}
        p = templates.parameters(app({'autoscale': policy}), release(), 3,
                                 dict(SETTINGS, alarm_granularity=300))
        self.assertEqual((2, 6, 3), (p['min_size'], p['max_size'],
                                     p['desired_capacity']))
        self.assertEqual((30, 150), (p['scale_up_cooldown'],
                                     p['scale_down_cooldown']))
        # 50 % of a vCPU over 300 s is 150 s of CPU time, in ns
        self.assertEqual(150 * 10 ** 9, p['cpu_high_threshold'])
        self.assertEqual(int(12.5 / 100 * 300 * 1e9),
                         p['cpu_low_threshold'])
        # Prometheus alarms compare percentages
        self.assertEqual((50, 12.5), (p['cpu_high_percent'],
                                      p['cpu_low_percent']))

    def test_cooldown_zero_is_kept(self):
        def cooldowns(policy, settings):
            p = templates.parameters(app({'autoscale': policy}), release(),
                                     1, dict(SETTINGS, **settings))
            return p['scale_up_cooldown'], p['scale_down_cooldown']
        self.assertEqual((0, 0), cooldowns({'cooldown': 0},
                                           {'cooldown': 60}))
        self.assertEqual((0, 0), cooldowns({}, {'cooldown': 0}))
        self.assertEqual((7, 35), cooldowns({}, {'cooldown': 7}))
        self.assertEqual((60, 300), cooldowns({}, {}))

    def test_alarm_settings(self):
        p = templates.parameters(app(), release(), 1, SETTINGS)
        # Gnocchi by default, at ceilometer-low's granularity
        self.assertEqual(('gnocchi', 300), (p['alarm_backend'],
                                            p['alarm_granularity']))
        self.assertEqual((80, 20), (p['cpu_high_percent'],
                                    p['cpu_low_percent']))
        self.assertEqual(templates.DEFAULT_PROMETHEUS_CPU_QUERY,
                         p['prometheus_cpu_query'])
        query = "avg(rate(cpu{resource_name=~'STACK_NAME-.*'}[WINDOWs]))"
        p = templates.parameters(app(), release(), 1, dict(
            SETTINGS, enable_alarms=True, alarm_backend='prometheus',
            prometheus_cpu_query=query, alarm_granularity=6))
        self.assertEqual((True, 'prometheus', query, 6),
                         (p['enable_alarms'], p['alarm_backend'],
                          p['prometheus_cpu_query'],
                          p['alarm_granularity']))
        self.assertRaises(ValueError, templates.parameters, app(),
                          release(), 1, dict(SETTINGS,
                                             alarm_backend='monasca'))

    def test_bounds(self):
        self.assertEqual((1, 3, 3), templates.scaling_bounds({}, 3))
        self.assertEqual((0, 1, 0), templates.scaling_bounds({}, 0))
        # asking for more than the policy's max widens the group
        self.assertEqual((1, 8, 8), templates.scaling_bounds(
            {'autoscale': {'min': 1, 'max': 5}}, 8))
        self.assertEqual((1, 4, 2), templates.scaling_bounds(
            {'autoscale': {'max': 10}}, 2, quota=4))

    def test_values_for_container_hosts_are_base64(self):
        p = templates.parameters(
            app(), release(run_cmd='python app.py', health={'path': '/p'}),
            1, SETTINGS)
        self.assertEqual(('cHl0aG9uIGFwcC5weQ==', 'L3A=', 'dG9r'),
                         (p['run_cmd_b64'], p['health_path_b64'],
                          p['app_image_token_b64']))
        self.assertEqual(['SOLUM_APP=hello', 'SOLUM_RELEASE=4'], [
            base64.b64decode(w).decode() for w in p['env_b64'].split(' ')])

    def test_env_words_refuse_what_no_environment_holds(self):
        for env in ({'A=B': 'x'}, {'': 'x'}, {'A': 'x\0y'}):
            self.assertRaises(ValueError, templates.env_words, env)
        self.assertEqual('', templates.env_words({}))


# What the user controls, with everything a shell would act on: quotes,
# $(...), backticks, variables, newlines (trailing ones too), and the old
# env file's heredoc terminator. A "pwned" file appears if any of it runs.
NASTY_CMD = ("echo 'it'\\''s' \"$(touch pwned-run)\" `touch pwned-tick` $HOME;"
             " exit 3\nsecond line\n\n")
NASTY_ENV = {'GREETING': "it's \"$(touch pwned-env)\" `touch pwned-env2`",
             'MULTI': 'line one\nSOLUM_ENV_EOF\n$(touch pwned-eof)\n',
             'EMPTY': ''}
NASTY_PATH = "/h'$(touch pwned-health)`id`?a=1&b=\"2\""
# How Heat renders curl_cli (a wait handle's signal command).
CURL_CLI = ("curl -i -X POST -H 'X-Auth-Token: t' -H 'Content-Type: "
            "application/json' http://heat.test/v1/signal")
# A podman and a curl that only log their arguments (one JSON list per
# call); `podman load` answers like podman does, and `curl -o FILE`
# leaves FILE.
FAKE_TOOL = '''#!%(python)s
import json, os, sys
with open(%(log)r, 'a') as f:
    f.write(json.dumps([os.path.basename(sys.argv[0])] + sys.argv[1:]))
    f.write('\\n')
if sys.argv[1:2] == ['load']:
    print('Loaded image: localhost/solum/hello:4')
if '-o' in sys.argv[:-1]:
    out = sys.argv[sys.argv.index('-o') + 1]
    if out != '/dev/null':
        open(out, 'w').close()
'''


def heat_str_replace(template, params):
    """Heat's str_replace: longer keys first, and a replaced value is never
    searched again."""
    if not params:
        return template
    key = sorted(sorted(params), key=len, reverse=True)[0]
    rest = {k: v for k, v in params.items() if k != key}
    return str(params[key]).join(heat_str_replace(part, rest)
                                 for part in template.split(key))


def rendered_user_data(stack_params, ready=False):
    """The container host's user_data as Heat renders it from the stack's
    parameters (through the group's properties in app.yaml)."""
    main = yaml.safe_load(templates.read('app.yaml'))
    passed = main['resources']['group']['properties']['resource'][
        'properties']
    member = yaml.safe_load(templates.read('container_host.yaml'))
    spec = member['resources']['server']['properties']['user_data'][
        'str_replace']
    values = {}
    for key, value in spec['params'].items():
        if 'if' in value:     # the wait handle's curl_cli, or 'true'
            values[key] = CURL_CLI if ready else value['if'][2]
        else:
            values[key] = stack_params[passed[value['get_param']][
                'get_param']]
    return heat_str_replace(spec['template'], values)


class TestContainerHostUserData(base.TestCase):
    """The script a container host runs, rendered as Heat does and run by
    /bin/sh with a logging podman and curl: every user value reaches them
    exactly, and none is ever part of the script's text."""

    def setUp(self):
        super().setUp()
        self.params = templates.parameters(
            app(), release(port=5000, env=NASTY_ENV, run_cmd=NASTY_CMD,
                           health={'path': NASTY_PATH}), 1,
            dict(SETTINGS, image_token="t'k$(touch pwned-token)"))

    def run_script(self, script, shell='/bin/sh'):
        work = self.useFixture(fixtures.TempDir()).path
        tools = os.path.join(work, 'bin')
        os.mkdir(tools)
        log = os.path.join(work, 'calls.log')
        for name in ('podman', 'curl'):
            path = os.path.join(tools, name)
            with open(path, 'w') as f:
                f.write(FAKE_TOOL % {'python': sys.executable, 'log': log})
            os.chmod(path, 0o700)
        script = script.replace('/var/lib/solum', os.path.join(work, 'lib'))
        result = subprocess.run(
            [shell, '-c', script], cwd=work, capture_output=True,
            text=True, timeout=30,
            env={'PATH': tools + os.pathsep + '/usr/bin:/bin',
                 'HOME': work})
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual([], [n for n in os.listdir(work) if 'pwned' in n])
        with open(log) as f:
            return [json.loads(line) for line in f]

    def test_no_user_value_is_in_the_script(self):
        script = rendered_user_data(self.params)
        for value in [NASTY_CMD, NASTY_PATH, "t'k$("] + list(
                NASTY_ENV.values())[:2]:
            self.assertNotIn(value, script)
        self.assertNotIn('pwned', script)
        self.assertNotIn('SOLUM_ENV_EOF', script)

    def test_the_script_decodes_exactly_the_values(self):
        # Cloud images differ in their /bin/sh: dash here, bash elsewhere.
        for shell in ('/bin/sh', shutil.which('bash')):
            if shell:
                self.check_calls(self.run_script(
                    rendered_user_data(self.params, ready=True), shell))

    def check_calls(self, calls):
        download, load, run, health, signal = calls
        self.assertEqual(['curl', '-fsS', '--retry', '5', '-H',
                          "X-Auth-Token: t'k$(touch pwned-token)", '-o'],
                         download[:7])
        self.assertEqual('http://glance/v2/images/g-1/file', download[-1])
        self.assertEqual(['podman', 'load', '-i'], load[:3])
        env = dict(NASTY_ENV, SOLUM_APP='hello', SOLUM_RELEASE='4',
                   PORT='5000')
        self.assertEqual(['podman', 'run', '-d', '--name', 'solum-app',
                          '--restart', 'always', '-p', '5000:5000'], run[:9])
        pairs = run[9:-4]
        self.assertEqual(['-e'] * len(env), pairs[::2])
        self.assertEqual(env, dict(p.split('=', 1) for p in pairs[1::2]))
        self.assertEqual(['localhost/solum/hello:4', '/bin/sh', '-c',
                          NASTY_CMD], run[-4:])
        self.assertEqual('http://127.0.0.1:5000' + NASTY_PATH, health[-1])
        # The wait condition's signal is valid JSON whatever the values.
        self.assertEqual(CURL_CLI.split()[-1], signal[-3])
        self.assertEqual({'status': 'SUCCESS',
                          'reason': 'the app answers its health path'},
                         json.loads(signal[-1]))

    def test_registry_image_and_no_command(self):
        params = templates.parameters(
            app(), release(), 1,
            {'variant': 'container_host', 'flavor': 'f',
             'image_ref': "registry.test/a'b:1", 'quota': -1})
        pull, run, _health = self.run_script(rendered_user_data(params))
        self.assertEqual(['podman', 'pull', "registry.test/a'b:1"], pull)
        self.assertEqual(["registry.test/a'b:1"], run[-1:])

"""The Heat driver's templates and the parameters of an app's stack
(no cloud: the real Heat validates them in the functional tests)."""

import types

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
             'OS::Octavia::LoadBalancer', 'OS::Octavia::Listener',
             'OS::Octavia::Pool', 'OS::Octavia::HealthMonitor',
             'OS::Octavia::PoolMember', 'OS::Nova::Server',
             'OS::Heat::WaitCondition', 'OS::Heat::WaitConditionHandle',
             'OS::Zun::Container'}, types_used)

    def test_lb_and_alarms_are_conditional(self):
        main = self.load('app.yaml')
        for name in ('loadbalancer', 'listener', 'pool', 'monitor'):
            self.assertEqual('lb', main['resources'][name]['condition'])
        for name in ('cpu_high', 'cpu_low'):
            alarm = main['resources'][name]
            self.assertEqual('alarms', alarm['condition'])
            action = alarm['properties']['alarm_actions'][0]['str_replace']
            self.assertEqual('trust+URL', action['template'])
            self.assertEqual('signal_url', action['params']['URL']
                             ['get_attr'][1])
        self.assertEqual('lb', main['outputs']['app_url']['condition'])

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
                         p['app_image_url'])
        self.assertEqual('tok', p['app_image_token'])
        self.assertEqual(5000, p['port'])
        self.assertEqual({'GREETING': 'hi', 'SOLUM_APP': 'hello',
                          'SOLUM_RELEASE': '4'}, p['env'])
        self.assertEqual('GREETING=hi\nSOLUM_APP=hello\nSOLUM_RELEASE=4',
                         p['env_file'])
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

    def test_bounds(self):
        self.assertEqual((1, 3, 3), templates.scaling_bounds({}, 3))
        self.assertEqual((0, 1, 0), templates.scaling_bounds({}, 0))
        # asking for more than the policy's max widens the group
        self.assertEqual((1, 8, 8), templates.scaling_bounds(
            {'autoscale': {'min': 1, 'max': 5}}, 8))
        self.assertEqual((1, 4, 2), templates.scaling_bounds(
            {'autoscale': {'max': 10}}, 2, quota=4))

    def test_env_file_refuses_newlines(self):
        self.assertRaises(ValueError, templates.env_file, {'A': 'x\ny'})

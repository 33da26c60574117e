import unittest

from app import app


class HelloTest(unittest.TestCase):
    def test_hello(self):
        response = app.test_client().get('/')
        self.assertEqual(200, response.status_code)
        self.assertIn(b'Hello', response.data)


if __name__ == '__main__':
    unittest.main()

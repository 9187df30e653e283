"""What every app builds its pages and API on, below every app: form fields and the form
helper, pagination, charts, the navigation and dashboard contracts, and the API's bounds,
error schema and pagination. It imports nothing of Coproduce's but ``coproduce.errors``."""

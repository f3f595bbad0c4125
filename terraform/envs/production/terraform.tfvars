# Sizes for production. The image is set by the deploy: -var image=...@sha256:...
region          = "eu-west-1"
hostname        = "app.burrow.example"
certificate_arn = "arn:aws:acm:eu-west-1:000000000000:certificate/replace-me"
image           = "000000000000.dkr.ecr.eu-west-1.amazonaws.com/burrow-production@sha256:0000000000000000000000000000000000000000000000000000000000000000"
alarm_emails    = ["oncall@burrow.example"]

app_environment = {
  MAIL_BACKEND  = "smtp"
  MAIL_FROM     = "Burrow <no-reply@burrow.example>"
  SMTP_HOST     = "email-smtp.eu-west-1.amazonaws.com"
  SMTP_PORT     = "587"
  SMTP_STARTTLS = "true"
}

vpc_cidr = "10.10.0.0/16"
az_count = 3

db_instance_class           = "db.r6g.xlarge"
db_allocated_storage_gb     = 200
db_max_allocated_storage_gb = 2000
# 20 web tasks (max_count) x 5 gunicorn workers x pools of 4 = 400, plus
# ~60 worker tasks and headroom for migrations and psql.
db_max_connections       = 600
db_backup_retention_days = 14

redis_node_type     = "cache.r7g.large"
redis_replica_count = 1

web = {
  cpu                 = 1024
  memory              = 2048
  min_count           = 3
  max_count           = 20
  cpu_target_percent  = 60
  requests_per_target = 1200
}

worker_ingestion = {
  cpu              = 1024
  memory           = 2048
  min_count        = 3
  max_count        = 30
  backlog_per_task = 500
}

worker_insights = {
  cpu              = 2048
  memory           = 4096
  min_count        = 2
  max_count        = 12
  backlog_per_task = 20
}

worker_default = {
  cpu              = 512
  memory           = 1024
  min_count        = 2
  max_count        = 6
  backlog_per_task = 50
}

scheduler = {
  cpu    = 256
  memory = 512
}

migrate = {
  cpu    = 512
  memory = 1024
}

# Staging mirrors production's shape (multi-AZ everything) at smaller sizes so
# failovers and deploys can be rehearsed there.
region          = "eu-west-1"
hostname        = "staging.burrow.example"
certificate_arn = "arn:aws:acm:eu-west-1:000000000000:certificate/replace-me"
image           = "000000000000.dkr.ecr.eu-west-1.amazonaws.com/burrow-staging@sha256:0000000000000000000000000000000000000000000000000000000000000000"
alarm_emails    = ["staging-alerts@burrow.example"]

app_environment = {
  MAIL_BACKEND  = "smtp"
  MAIL_FROM     = "Burrow <no-reply@burrow.example>"
  SMTP_HOST     = "email-smtp.eu-west-1.amazonaws.com"
  SMTP_PORT     = "587"
  SMTP_STARTTLS = "true"
}

vpc_cidr = "10.20.0.0/16"
az_count = 2

db_instance_class           = "db.t4g.medium"
db_allocated_storage_gb     = 50
db_max_allocated_storage_gb = 200
db_max_connections          = 200
db_backup_retention_days    = 7

redis_node_type     = "cache.m7g.large"
redis_replica_count = 1

web = {
  cpu                 = 512
  memory              = 1024
  min_count           = 2
  max_count           = 4
  cpu_target_percent  = 60
  requests_per_target = 1000
}

worker_ingestion = {
  cpu              = 512
  memory           = 1024
  min_count        = 1
  max_count        = 4
  backlog_per_task = 500
}

worker_insights = {
  cpu              = 1024
  memory           = 2048
  min_count        = 1
  max_count        = 3
  backlog_per_task = 20
}

worker_default = {
  cpu              = 256
  memory           = 512
  min_count        = 1
  max_count        = 2
  backlog_per_task = 50
}

scheduler = {
  cpu    = 256
  memory = 512
}

migrate = {
  cpu    = 256
  memory = 512
}

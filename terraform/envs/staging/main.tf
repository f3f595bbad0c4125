module "burrow" {
  source = "../../modules/platform"

  environment                 = "staging"
  vpc_cidr                    = var.vpc_cidr
  az_count                    = var.az_count
  hostname                    = var.hostname
  route53_zone_id             = var.route53_zone_id
  certificate_arn             = var.certificate_arn
  image                       = var.image
  alarm_emails                = var.alarm_emails
  app_environment             = var.app_environment
  db_instance_class           = var.db_instance_class
  db_allocated_storage_gb     = var.db_allocated_storage_gb
  db_max_allocated_storage_gb = var.db_max_allocated_storage_gb
  db_max_connections          = var.db_max_connections
  db_backup_retention_days    = var.db_backup_retention_days
  redis_node_type             = var.redis_node_type
  redis_replica_count         = var.redis_replica_count
  web                         = var.web
  worker_ingestion            = var.worker_ingestion
  worker_insights             = var.worker_insights
  worker_default              = var.worker_default
  scheduler                   = var.scheduler
  migrate                     = var.migrate
}
